package importer

import (
	"context"
	"fmt"
	"slices"
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

// isLinkList: the catch-all text format, tried after every structured one.
func isLinkList(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	lower := strings.ToLower(string(data))
	return slices.ContainsFunc(schemes, func(p string) bool { return strings.Contains(lower, p) })
}

// readText reads a text file of links: one or more per line, separated by
// anything (commas, spaces, quotes), as WinAuth, Ente Auth and hand-made
// lists write them. Blank lines and lines starting with # are ignored;
// other lines without a link are reported.
func (im *Importer) readText(res *Result, data []byte) error {
	text := strings.TrimPrefix(string(data), "\ufeff") // a BOM from Windows editors
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		source := fmt.Sprintf("%s line %d", res.Name, i+1)
		if len(lines) == 1 {
			source = res.Name // a single link, as given to 'add'
		}
		links := splitLinks(line)
		if len(links) == 0 {
			res.skip(source, "no otpauth link on this line")
			continue
		}
		for j, link := range links {
			src := source
			if len(links) > 1 {
				src = fmt.Sprintf("%s link %d", source, j+1)
			}
			im.addLink(res, src, link)
		}
	}
	return nil
}

// splitLinks cuts a line at every link scheme. Labels may hold raw spaces
// in sloppy exports, so links are not split at whitespace, only trimmed of
// separators at their ends.
func splitLinks(line string) []string {
	lower := strings.ToLower(line)
	var starts []int
	for i := 0; i < len(lower); i++ {
		for _, s := range schemes {
			if strings.HasPrefix(lower[i:], s) {
				starts = append(starts, i)
				i += len(s) - 1
				break
			}
		}
	}
	links := make([]string, 0, len(starts))
	for k, start := range starts {
		end := len(line)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		link := strings.TrimRight(line[start:end], " \t,;\"'")
		links = append(links, link)
	}
	return links
}
