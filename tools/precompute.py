"""Train the explorers' grids ahead of time (``make datasets``): ``python -m tools.precompute``.

Each grid is cached in ``datasets/cache/`` by a checksum of its data and settings
(``helpers.grids``), so this trains only what changed; an explorer whose grid is missing
trains it on first use instead.
"""

from helpers.labs import (
    batch_normalization,
    hyperparameter_tuning,
    optimization_methods,
    regularization,
)


def main():
    grid = regularization.regularization_grid()
    print(f"regularization explorer: {len(grid['settings'])} settings ready")
    grid = optimization_methods.explorer_grid()
    print(
        f"optimizer explorer: {grid['costs'].shape[-1]} settings × "
        f"{len(optimization_methods.BATCH_SIZES)} mini-batch sizes ready"
    )
    batch_normalization.batchnorm_grid()
    print(
        f"batch norm explorer: {len(batch_normalization.grid_groups())} runs × "
        f"{len(batch_normalization.LEARNING_RATES)} learning rates ready"
    )
    surface = hyperparameter_tuning.response_map()
    print(f"tuning response map: {surface['dev_cost'].size} settings ready")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
