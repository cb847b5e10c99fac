"""Random corruption of input files, shared by the corruption tests of every reader."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

CORRUPTIONS = st.sampled_from(["cell", "drop_row", "duplicate_row", "bytes", "truncate", "header"])
NASTY_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "-1",
            "1e309",
            "nan",
            "31/02/2020",
            "oui",
            "hub",
            "A1",
            "L1",
            '"',
            ";",
            ",",
            "\x00",
            "1,000",
            "2,500.00",
            "1e20",
            "\u202eL1",
            "x" * 300,
        ]
    ),
)


def corrupt(folder: Path, file: str, how: str, data: st.DataObject) -> None:
    path = folder / file
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if how == "bytes":
        at = data.draw(st.integers(0, len(raw)))
        junk = data.draw(st.binary(min_size=1, max_size=8))
        path.write_bytes(raw[:at] + junk + raw[at:])
    elif how == "truncate":
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw)))])
    elif how in ("drop_row", "duplicate_row", "header"):
        index = 0 if how == "header" else data.draw(st.integers(0, len(lines) - 1))
        if how == "drop_row":
            del lines[index]
        elif how == "duplicate_row":
            lines.insert(index, lines[index])
        else:
            header = lines[0].split(b",")
            del header[data.draw(st.integers(0, len(header) - 1))]
            lines[0] = b",".join(header)
        path.write_bytes(b"\n".join(lines))
    else:  # replace one cell of a CSV (or one value of the TOML) with nasty text
        text = path.read_text(encoding="utf-8")
        line_list = text.split("\n")
        index = data.draw(st.integers(0, max(0, len(line_list) - 1)))
        cells = line_list[index].split("," if file.endswith(".csv") else "=")
        cell = data.draw(st.integers(0, max(0, len(cells) - 1)))
        cells[cell] = data.draw(NASTY_TEXT)
        line_list[index] = ("," if file.endswith(".csv") else "=").join(cells)
        path.write_bytes("\n".join(line_list).encode("utf-8", "surrogatepass"))
