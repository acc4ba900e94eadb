"""Channel-layer group names: ASCII, '.', '-', '_', under 100 characters (channels' limit)."""


def user(user_id: int) -> str:
    return f"user.{user_id}"


def space(space_id: int) -> str:
    return f"space.{space_id}"


def moderators(clinic_id: int | None = None) -> str:
    return "moderators.all" if clinic_id is None else f"moderators.{clinic_id}"
