"""Optional dependencies: import them, or say which extra of ``cnncourse`` installs them."""

import importlib


def require(module, extra, needed_by):
    """Import ``module``; if it is missing, an ImportError that names the extra to install.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"torch"``.
    extra : str
        The extra of ``cnncourse`` that installs it, e.g. ``"torch"``.
    needed_by : str
        What needs it, for the message, e.g. ``"cnncourse.nn"``.

    Examples
    --------
    >>> require("math", "none", "a doctest").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{needed_by} needs {module}, which is not installed; "
            f'install it with: pip install "cnncourse[{extra}]"'
        ) from error
