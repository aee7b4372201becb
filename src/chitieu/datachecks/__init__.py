"""Data quality beyond one value (SPEC §7): rules across elements, and values far from a
unit's own history. Pure polars and numpy: intake, the quality gate and `chitieu
validate` call them; only `chitieu.warehouse` reads the history they judge against."""
