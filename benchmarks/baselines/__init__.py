"""The roll-up written the ways a data team would without chitieu: pandas, DuckDB SQL."""
