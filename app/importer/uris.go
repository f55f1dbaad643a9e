package importer

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"strings"
	"unicode/utf8"
)

// FormatURIs is text with otpauth://, otpauth-migration:// or steam:// links.
const FormatURIs Format = "uris"

func init() {
	register(reader{name: FormatURIs, priority: 1000, detect: isLinkList,
		read: func(_ context.Context, im *Importer, res *Result, data []byte, _ Options) error {
			return im.readText(res, data)
		}})
}

var schemes = []string{"otpauth://", "otpauth-migration://", "steam://"}

// maxLinelessListed bounds the lines without a link that a text input
// lists one by one; the rest are counted in one more item.
const maxLinelessListed = 50

// isLinkList: the catch-all text format, tried after every structured one.
// It reads the input once and copies none of it.
func isLinkList(data []byte) bool {
	return utf8.Valid(data) && nextLink(data, 0) >= 0
}

// readText reads a text file of links: one or more per line, separated by
// anything (commas, spaces, quotes), as WinAuth, Ente Auth and hand-made
// lists write them. Blank lines and lines starting with # are ignored;
// other lines without a link are reported. It goes line by line and stops
// at the import's limits, so a list far beyond them costs no more than
// the limits allow.
func (im *Importer) readText(res *Result, data []byte) error {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff"))) // a BOM from Windows editors
	single := bytes.IndexByte(text, '\n') < 0
	lineless := 0
	for n := 1; len(text) > 0 && !res.full(); n++ {
		var raw []byte
		raw, text, _ = bytes.Cut(text, []byte("\n"))
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] == '#' {
			continue
		}
		first := nextLink(raw, 0)
		if first < 0 {
			if lineless++; lineless <= maxLinelessListed {
				res.skip(lineSource(res.Name, n, single), "no otpauth link on this line")
			}
			continue
		}
		source := lineSource(res.Name, n, single)
		line := string(raw)
		several := nextLink(line, first+schemeAt(line, first)) >= 0
		j := 0
		for link := range links(line) {
			j++
			src := source
			if several {
				src = fmt.Sprintf("%s link %d", source, j)
			}
			im.addLink(res, src, link)
			if res.full() {
				break
			}
		}
	}
	if lineless > maxLinelessListed {
		res.skip(res.Name, fmt.Sprintf("and %d more lines without an otpauth link", lineless-maxLinelessListed))
	}
	return nil
}

// lineSource names line n of a text input; a single line is named by the
// input alone, as the link given to 'add'.
func lineSource(name string, n int, single bool) string {
	if single {
		return name
	}
	return fmt.Sprintf("%s line %d", name, n)
}

// links yields the links of a line, cut at every link scheme. Labels may
// hold raw spaces in sloppy exports, so links are not split at whitespace,
// only trimmed of separators at their ends.
func links(line string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for start := nextLink(line, 0); start >= 0; {
			next := nextLink(line, start+schemeAt(line, start))
			end := len(line)
			if next >= 0 {
				end = next
			}
			if !yield(strings.TrimRight(line[start:end], " \t,;\"'")) {
				return
			}
			start = next
		}
	}
}

// nextLink is the index of the first link scheme in s at or after from,
// in any case, or -1.
func nextLink[T string | []byte](s T, from int) int {
	for i := from; i < len(s); i++ {
		if c := s[i] | 0x20; (c == 'o' || c == 's') && schemeAt(s, i) > 0 {
			return i
		}
	}
	return -1
}

// schemeAt is the length of the link scheme s has at i, in any case, or 0.
func schemeAt[T string | []byte](s T, i int) int {
next:
	for _, sc := range schemes {
		if len(s)-i < len(sc) {
			continue
		}
		for k := 0; k < len(sc); k++ {
			c := s[i+k]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sc[k] {
				continue next
			}
		}
		return len(sc)
	}
	return 0
}
