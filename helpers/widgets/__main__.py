"""``python -m helpers.widgets precompute``: train the explorers' grids ahead of time."""


def main(argv=None):
    """``python -m helpers.widgets precompute``: train the explorers' grids ahead of time."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m helpers.widgets")
    parser.add_argument("command", choices=["precompute"])
    parser.parse_args(argv)
    from helpers import optim
    from helpers.widgets.regularization import regularization_grid

    grid = regularization_grid()
    print(f"regularization explorer: {len(grid['settings'])} settings ready")
    grid = optim.explorer_grid()
    print(
        f"optimizer explorer: {grid['costs'].shape[-1]} settings × {len(optim.BATCH_SIZES)} "
        "mini-batch sizes ready"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
