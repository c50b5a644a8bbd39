"""Icons, the application icon, the desktop entry and example data.

These files are looked up by name through :func:`backprop_lab.resources_path`.
"""
