

def _mixed_sheet() -> bytes:
    """6,000 rows `uN` | N; rows 2001–3999 (beyond the first and last 64 KB) written without any `r`."""
    rows = []
    for n in range(1, 6001):
        if 2000 < n < 4000:
            rows.append(b'<row><c t="inlineStr"><is><t>u%d</t></is></c><c><v>%d</v></c></row>' % (n, n))
        else:
            rows.append(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>u%d</t></is></c><c r="B%d"><v>%d</v></c></row>'
                        % (n, n, n, n, n))
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + b"".join(rows) + b"</sheetData></worksheet>")


@pytest.mark.parametrize("edits", [[3000], [100, 3000], [3000, 5999], [2001, 3999, 4000], [1, 6000]])
def test_edits_of_a_sheet_unnumbered_in_the_middle(edits: list[int]) -> None:
    from propcli.store.sheetxml import SheetXml

    data = _mixed_sheet()
    xml = SheetXml(data)
    for n in edits:
        xml.set_cells(n, {1: -n})
    out = xml.to_bytes()
    numbers = [int(v) for v in re.findall(rb'<row r="(\d+)"', out)]
    assert numbers == sorted(set(numbers))
    for n in edits:  # the edited row holds its new value and kept its text, whichever way it was written
        row = re.search(rb'<row r="%d">(.*?)</row>' % n, out).group(1)
        assert b'<c r="B%d"><v>%d</v></c>' % (n, -n) in row and b">u%d<" % n in row
    grid = CalamineWorkbook  # every other row reads as it was: u-text and number agree with the row
    del grid
    for m in re.finditer(rb'<row r="(\d+)">.*?>u(\d+)<.*?<v>(-?\d+)</v>', out):
        assert m.group(1) == m.group(2) and abs(int(m.group(3))) == int(m.group(1))
