"""Excel both ways: the workbook a unit fills in (`template`), and the annotated copy of a
rejected workbook that tells the officer which cell is wrong (`annotate`, `feedback`).

The reader of filled workbooks is `chitieu.sources.xlsx_files`; what the writer and the
reader agree on (sheet, labels, columns, cell references) is in `layout`. Nothing here is
imported at package import, so the light commands stay fast.
"""
