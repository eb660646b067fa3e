package csvsource

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// What people upload instead of a CSV file, recognized by its first bytes.
// Each says what the file is and what to do, since "invalid UTF-8 at line
// 1" helps nobody who picked the workbook instead of its CSV export.
var magics = []struct {
	prefix string
	what   string
}{
	{"\x1f\x8b", "a gzip-compressed file (.gz): decompress it (e.g. with gunzip) and import the CSV file inside"},
	{"BZh", "a bzip2-compressed file (.bz2): decompress it and import the CSV file inside"},
	{"\xfd7zXZ\x00", "an xz-compressed file (.xz): decompress it and import the CSV file inside"},
	{"\x28\xb5\x2f\xfd", "a zstd-compressed file (.zst): decompress it and import the CSV file inside"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (.7z): extract the CSV file from it and import that"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Microsoft Office file (an Excel 97-2003 workbook, .xls): open it in Excel and save it as CSV (File > Save As > CSV UTF-8)"},
	{"%PDF-", "a PDF document: export the list from the system it came from as CSV"},
	{"\x89PNG\r\n\x1a\n", "a PNG image, not a list: export the list as CSV"},
	{"\xff\xd8\xff", "a JPEG image, not a list: export the list as CSV"},
	{"SQLite format 3\x00", "an SQLite database: export the table as CSV (e.g. sqlite3 -csv)"},
	{"PAR1", "a Parquet file: export it as CSV"},
}

// notCSV describes what head, the first bytes of the input, is if it is
// certainly not CSV text, or returns "".
func notCSV(head []byte) string {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) {
		return zipKind(head)
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.what
		}
	}
	// Old CRMs' "Export to Excel" often writes an HTML table or an Excel
	// 2003 XML file with an .xls name.
	text := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	lower := strings.ToLower(string(text[:min(len(text), 512)]))
	switch {
	case strings.HasPrefix(lower, "<!doctype html") || strings.HasPrefix(lower, "<html"):
		return "an HTML page (some \"Excel\" exports are HTML tables): open it in Excel and save it as CSV"
	case strings.HasPrefix(lower, "<?xml") && bytes.Contains(head, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return "an Excel 2003 XML spreadsheet: open it in Excel and save it as CSV (File > Save As > CSV UTF-8)"
	}
	return ""
}

// zipKind tells what a zip archive holds from the names of its entries in
// head: office formats are zip archives of XML files.
func zipKind(head []byte) string {
	names := zipNames(head)
	has := func(prefix string) bool {
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case has("xl/"):
		return "an Excel workbook (.xlsx): save it as CSV (in Excel: File > Save As > CSV UTF-8) and import that file"
	case has("mimetype") && bytes.Contains(head, []byte("application/vnd.oasis.opendocument.spreadsheet")):
		return "an OpenDocument spreadsheet (.ods): save it as CSV (File > Save As > Text CSV) and import that file"
	case has("word/"):
		return "a Word document (.docx), not a spreadsheet: export the list as CSV"
	case has("ppt/"):
		return "a PowerPoint presentation (.pptx), not a spreadsheet: export the list as CSV"
	case has("[Content_Types].xml"):
		return "an Office document (such as an Excel workbook, .xlsx): save it as CSV and import that file"
	}
	return "a zip archive: extract the CSV file from it and import that"
}

// zipNames returns the names of the zip entries whose local or central
// directory headers lie in head. Entries written with a data descriptor
// (as archive/zip does) have no size in their local header, so the headers
// are found by their signatures rather than by walking from one to the
// next; a signature inside compressed data at worst adds a stray name.
func zipNames(head []byte) []string {
	var names []string
	for _, sig := range []struct {
		magic   string
		nameLen int // offset of the name's length; the name follows the fixed part
		fixed   int
	}{{"PK\x03\x04", 26, 30}, {"PK\x01\x02", 28, 46}} {
		for off := 0; len(names) < 64; {
			i := bytes.Index(head[off:], []byte(sig.magic))
			if i < 0 {
				break
			}
			h := head[off+i:]
			off += i + len(sig.magic)
			if len(h) < sig.fixed {
				break
			}
			n := int(binary.LittleEndian.Uint16(h[sig.nameLen:]))
			if n == 0 || sig.fixed+n > len(h) {
				continue
			}
			names = append(names, string(h[sig.fixed:sig.fixed+n]))
		}
	}
	return names
}

// utf16Pattern recognizes UTF-16 text without a byte order mark by its
// zero bytes: text in Latin scripts, and the delimiters and line breaks of
// any CSV, are code units below U+0100, whose high byte is zero. It returns
// UTF16LE if at least one code unit in 8 has a zero high (second) byte and
// low bytes are almost never zero, UTF16BE for the converse, else "". For
// text that is valid UTF-8 (as ASCII in UTF-16 is: NUL is valid), a quarter
// of the units must have the zero byte: a stray NUL or two in a small UTF-8
// file does not make it UTF-16.
func utf16Pattern(head []byte, validUTF8 bool) string {
	n := len(head) &^ 1
	if n == 0 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	units := n / 2
	need := (units + 7) / 8
	if validUTF8 {
		need = (units + 3) / 4
	}
	switch {
	case odd >= need && even*16 <= odd:
		return UTF16LE
	case even >= need && odd*16 <= even:
		return UTF16BE
	}
	return ""
}

// binaryText describes text with many NUL bytes, which no CSV export
// holds: a binary file, or UTF-16 read as another encoding. Many means a
// quarter of head, or at least 16 and 2% of it: a stray NUL or two in a
// small file is a damaged value (kept as it is), not a binary file. It
// returns "" for text.
func binaryText(head []byte, enc string) string {
	nul := bytes.Count(head, []byte{0})
	if nul*4 < len(head) && (nul < 16 || nul*50 < len(head)) {
		return ""
	}
	if u := utf16Pattern(head, utf8.Valid(head)); u != "" {
		return fmt.Sprintf("text with NUL bytes (%d of its first %d bytes) that looks like %s, read as %s: set the encoding to %s or leave it to detection",
			nul, len(head), u, enc, u)
	}
	return fmt.Sprintf("binary data, not text: %d of its first %d bytes are NUL; export the list as CSV", nul, len(head))
}
