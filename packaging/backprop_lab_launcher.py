"""Entry script that PyInstaller freezes: the same as the ``backprop-lab`` gui-script."""

from backprop_lab.gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
