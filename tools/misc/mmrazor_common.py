"""What the MMRazor conversion modules share: the refusal type and the
name of a registered type without its scope."""


class Unsupported(ValueError):
    """A config mmkd cannot run, with the reason."""


def _name(type_: str) -> str:
    return type_.split('.', 1)[1] if '.' in type_ else type_
