"""Version of mmkd."""

__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse ``'0.1.0'`` into ``(0, 1, 0)``; a tag such as ``rc1`` stays a str.

    Args:
        version_str (str): The version string.

    Returns:
        tuple: The dot-separated parts, as ints where they are numeric.
    """
    return tuple(int(p) if p.isdigit() else p for p in version_str.split('.'))


version_info = parse_version_info(__version__)
