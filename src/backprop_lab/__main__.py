"""``python -m backprop_lab`` starts the desktop app."""

from backprop_lab.gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
