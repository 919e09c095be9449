"""A SIGNS-style data set the project can ship: 64x64 photos-like images of a hand showing
0 to 5 raised fingers, rendered from a seed (the course's SIGNS photos cannot be shipped).

Each image varies what a camera would: skin tone, hand size, position and rotation, finger
spread and length, which fingers make a "3", lighting, background colour and texture, a soft
shadow, blur and sensor noise. Shapes are signed-distance fields (capsules and an ellipse)
sampled at twice the resolution and averaged down, so edges are anti-aliased.

``make_signs(seed)`` returns the course's h5 schema (``helpers.data`` writes it).
"""

import numpy as np

SIZE = 64  # pixels per side
SUPER = 2  # supersampling factor
CLASSES = 6
TRAIN_PER_CLASS, TEST_PER_CLASS = 180, 20

# Skin tones from light to dark (RGB, 0..1).
SKIN = np.array([[0.93, 0.76, 0.64], [0.85, 0.64, 0.50], [0.72, 0.52, 0.38], [0.50, 0.34, 0.24]])

# Fingers in hand coordinates (palm centre at 0, fingers up, unit = hand size):
# base x, base y, length, width, lean (radians, outward).
FINGERS = np.array(
    [
        [-0.135, 0.17, 0.36, 0.070, -0.10],  # index ... little, left to right
        [-0.045, 0.19, 0.40, 0.072, -0.03],
        [0.045, 0.18, 0.37, 0.070, 0.04],
        [0.130, 0.14, 0.29, 0.062, 0.12],
    ]
)
THUMB = np.array([-0.19, -0.06, 0.30, 0.080, -0.85])


def _raised(count, rng):
    """Which of (index, middle, ring, little, thumb) are raised for ``count`` fingers."""
    if count == 3 and rng.rand() < 0.35:
        return np.array([1, 1, 0, 0, 1], bool)  # thumb, index, middle
    return np.array(
        [
            [0, 0, 0, 0, 0],
            [1, 0, 0, 0, 0],
            [1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [1, 1, 1, 1, 0],
            [1, 1, 1, 1, 1],
        ][count],
        bool,
    )


def _capsule(px, py, ax, ay, bx, by, radius):
    """Signed distance from points to the segment a-b thickened by ``radius``."""
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(px - ax - t * dx, py - ay - t * dy) - radius


def _ellipse(px, py, rx, ry):
    """Approximate signed distance to an axis-aligned ellipse centred at 0."""
    k = np.hypot(px / rx, py / ry)
    return (k - 1.0) * min(rx, ry)


def _smooth_noise(rng, n, cells):
    """Smooth random field (n, n) in [0, 1]: bilinear upsampling of a cells x cells grid."""
    grid = rng.rand(cells + 1, cells + 1)
    u = np.linspace(0, cells, n, endpoint=False)
    i, f = u.astype(int), u - u.astype(int)
    rows = grid[i] * (1 - f)[:, None] + grid[i + 1] * f[:, None]
    return rows[:, i] * (1 - f) + rows[:, i + 1] * f


def _blur(image, sigma):
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(image, sigma=(sigma, sigma, 0), mode="nearest")


def render(count, rng):
    """One image of a hand showing ``count`` (0..5) fingers: (64, 64, 3) uint8."""
    n = SIZE * SUPER
    coords = (np.arange(n) + 0.5) / n
    X, Y = np.meshgrid(coords, 1.0 - coords)  # y up

    # Background: a light wall or table, tinted, with soft texture and a light gradient.
    base = rng.uniform(0.72, 0.95) * np.ones(3) + rng.uniform(-0.03, 0.03, 3)
    texture = _smooth_noise(rng, n, rng.randint(3, 9)) - 0.5
    image = base + 0.07 * texture[..., None] + rng.uniform(-0.03, 0.03, 3) * texture[..., None]
    light = rng.uniform(0, 2 * np.pi)
    image *= (1 + 0.12 * ((X - 0.5) * np.cos(light) + (Y - 0.5) * np.sin(light)))[..., None]

    # Hand pose: size, palm centre, rotation; a left hand is the mirror image.
    size = rng.uniform(0.65, 0.9)
    cx, cy = rng.uniform(0.4, 0.6), rng.uniform(0.3, 0.45)
    angle = rng.normal(0, 0.2) + (rng.rand() < 0.08) * rng.choice([-1.1, 1.1])
    mirror = rng.choice([-1.0, 1.0])
    c, s = np.cos(angle), np.sin(angle)
    hx = mirror * (c * (X - cx) + s * (Y - cy)) / size  # hand coordinates
    hy = (-s * (X - cx) + c * (Y - cy)) / size

    raised = _raised(count, rng)
    spread = rng.uniform(0.8, 1.8)
    stretch = rng.uniform(0.85, 1.15)
    parts = [
        _ellipse(hx, hy - 0.02, 0.21, 0.22),  # palm
        _capsule(hx, hy, 0.0, -0.1, rng.uniform(-0.1, 0.1), -1.2, 0.15),  # wrist and arm
    ]
    creases = []
    for k, (bx, by, length, width, lean) in enumerate([*FINGERS, THUMB]):
        lean = lean * spread + rng.normal(0, 0.06)
        length = length * stretch * rng.uniform(0.92, 1.08)
        if raised[k]:
            tx, ty = bx + length * np.sin(lean), by + length * np.cos(lean)
        elif k < 4:  # a folded finger: a knuckle over the top of the palm
            tx, ty = bx + 0.02 * np.sin(lean), by - 0.12
        else:  # a folded thumb lies across the palm
            tx, ty = bx + 0.22, by + 0.05
        d = _capsule(hx, hy, bx, by, tx, ty, width)
        parts.append(d)
        creases.append(d)
    dist = np.min(parts, axis=0) * size  # in image units

    # Skin: tone, shading towards the edges, darker creases between fingers.
    tone = SKIN[rng.randint(len(SKIN))] * rng.uniform(0.9, 1.08) + rng.normal(0, 0.02, 3)
    edge = 0.012
    shade = 0.78 + 0.22 * np.clip(-dist / (3 * edge), 0, 1)
    crease = np.min([np.abs(d * size) for d in creases], axis=0)
    shade *= 1 - 0.18 * np.exp(-((crease / 0.006) ** 2)) * (dist < -0.004)
    skin = tone * shade[..., None]

    # Soft shadow of the hand on the background, then the hand on top (anti-aliased mask).
    shift = (rng.uniform(-0.04, 0.04), rng.uniform(-0.04, 0.0))
    sx = np.clip(((X - shift[0]) * n).astype(int), 0, n - 1)
    sy = np.clip(((1.0 - Y + shift[1]) * n).astype(int), 0, n - 1)
    shadow = np.clip(-dist[sy, sx] / 0.03 + 0.5, 0, 1)
    image *= (1 - 0.25 * shadow)[..., None]
    alpha = np.clip(0.5 - dist * n, 0, 1)[..., None]
    image = alpha * skin + (1 - alpha) * image

    # Camera: brightness / contrast, blur, downsampling, sensor noise.
    image = (image - 0.5) * rng.uniform(0.85, 1.15) + 0.5 + rng.uniform(-0.06, 0.06)
    image = _blur(image, rng.uniform(0.3, 1.3))
    image = image.reshape(SIZE, SUPER, SIZE, SUPER, 3).mean(axis=(1, 3))
    image = image + rng.normal(0, rng.uniform(0.005, 0.03), image.shape)
    return np.clip(np.round(image * 255), 0, 255).astype(np.uint8)


def make_signs(seed=0):
    """The project's SIGNS set in the course's h5 schema: 180 train and 20 test images per
    class from one ``np.random.RandomState(seed)``, classes interleaved.

    Returns ``train_set_x`` (1080, 64, 64, 3) uint8, ``train_set_y`` (1080,) int64,
    ``test_set_x`` (120, 64, 64, 3), ``test_set_y`` (120,), ``list_classes`` (6,) int64.
    """
    rng = np.random.RandomState(seed)
    arrays = {}
    for split, per_class in (("train", TRAIN_PER_CLASS), ("test", TEST_PER_CLASS)):
        labels = np.tile(np.arange(CLASSES), per_class)
        arrays[f"{split}_set_y"] = labels.astype(np.int64)
        arrays[f"{split}_set_x"] = np.stack([render(int(k), rng) for k in labels])
    arrays["list_classes"] = np.arange(CLASSES, dtype=np.int64)
    return arrays
