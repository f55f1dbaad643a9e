package importer

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The decrypted content of a KDBX database is XML: <KeePassFile> with
// <Meta> (the recycle bin) and <Root>, groups nesting groups and entries,
// an entry's fields as <String><Key>…</Key><Value>…</Value></String>.
// Values marked Protected="True" are base64 of the text XORed with the
// inner random stream, which runs through every protected value of the
// document in order, those of the entries' history included.

// kdbxMaxDepth bounds the XML's nesting: real databases nest groups a few
// levels deep.
const kdbxMaxDepth = 256

// kdbxEntry is one entry (not one of its history) with its fields.
type kdbxEntry struct {
	fields    map[string]string
	group     []string // group names below the root group
	recycled  bool     // in the recycle bin
	protected map[string]bool
}

// kdbxGroup is an open <Group>.
type kdbxGroup struct {
	name     string
	uuid     string
	recycled bool
}

// kdbxXML walks the XML, calling entry for each entry (history excepted)
// in document order; stop ends the walk early (the import is full).
type kdbxXML struct {
	stream  *kdbxStream
	entry   func(kdbxEntry)
	stop    func() bool
	recycle string // the recycle bin group's UUID, when enabled
	enabled bool
}

func (x *kdbxXML) read(r io.Reader) error {
	dec := xml.NewDecoder(r)
	var (
		path    []string // open elements
		groups  []kdbxGroup
		cur     *kdbxEntry
		history int // open <History> elements inside the entry
		text    strings.Builder
		key     string // the current <String>'s key
		prot    bool   // the open element is protected
		sawRoot bool
	)
	for {
		if x.stop() {
			return nil
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var tl tooLarge
			if errors.As(err, &tl) {
				return tl
			}
			return damagedFile("the KeePass database's content", kdbxXMLError(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) == kdbxMaxDepth {
				return damagedFilef("the KeePass database's content nests more than %d levels", kdbxMaxDepth)
			}
			name := t.Name.Local
			path = append(path, name)
			text.Reset()
			prot = false
			for _, a := range t.Attr {
				if a.Name.Local == "Protected" && strings.EqualFold(a.Value, "True") {
					prot = true
				}
			}
			switch {
			case len(path) == 1 && name != "KeePassFile":
				return damagedFilef("the KeePass database's content is not a KeePass document")
			case name == "Root" && len(path) == 2:
				sawRoot = true
			case name == "Group" && cur == nil:
				g := kdbxGroup{}
				if len(groups) > 0 {
					g.recycled = groups[len(groups)-1].recycled
				}
				groups = append(groups, g)
			case name == "Entry" && cur == nil && len(groups) > 0:
				cur = &kdbxEntry{fields: map[string]string{}, protected: map[string]bool{}, recycled: groups[len(groups)-1].recycled}
				for _, g := range groups[1:] {
					cur.group = append(cur.group, g.name)
				}
			case name == "History" && cur != nil:
				history++
			case name == "String":
				key = ""
			}
		case xml.CharData:
			if text.Len() < MaxKDBXXMLBytes {
				text.Write(t)
			}
		case xml.EndElement:
			if len(path) == 0 {
				return damagedFilef("the KeePass database's content is not well-formed XML")
			}
			name := path[len(path)-1]
			parent := ""
			if len(path) > 1 {
				parent = path[len(path)-2]
			}
			value := text.String()
			if prot {
				plain, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
				if err != nil {
					return damagedFilef("the KeePass database has a protected value that is not base64")
				}
				x.stream.xor(plain)
				value = string(plain)
			}
			x.end(name, parent, value, prot, &groups, &cur, &history, &key)
			path = path[:len(path)-1]
			text.Reset()
			prot = false
		}
	}
	if !sawRoot {
		return damagedFilef("the KeePass database's content has no root group")
	}
	return nil
}

// end handles the end of element name (inside parent) whose text is value.
func (x *kdbxXML) end(name, parent, value string, prot bool, groups *[]kdbxGroup, cur **kdbxEntry, history *int, key *string) {
	inHistory := *history > 0
	switch {
	case parent == "Meta" && name == "RecycleBinUUID":
		x.recycle = strings.TrimSpace(value)
	case parent == "Meta" && name == "RecycleBinEnabled":
		x.enabled = strings.EqualFold(strings.TrimSpace(value), "True")
	case parent == "Group" && *cur == nil && len(*groups) > 0:
		g := &(*groups)[len(*groups)-1]
		switch name {
		case "Name":
			g.name = strings.TrimSpace(value)
		case "UUID":
			g.uuid = strings.TrimSpace(value)
			if x.enabled && g.uuid != "" && g.uuid != "AAAAAAAAAAAAAAAAAAAAAA==" && g.uuid == x.recycle {
				g.recycled = true
			}
		}
	case name == "Group" && *cur == nil && len(*groups) > 0:
		*groups = (*groups)[:len(*groups)-1]
	case name == "Key" && parent == "String" && *cur != nil && !inHistory:
		*key = value
	case name == "Value" && parent == "String" && *cur != nil && !inHistory:
		(*cur).fields[*key] = value
		(*cur).protected[*key] = prot
	case name == "History" && *cur != nil:
		*history--
	case name == "Entry" && *cur != nil && !inHistory:
		x.entry(**cur)
		*cur = nil
	}
}

// kdbxXMLError keeps the XML decoder's message, which names a line, but
// not the text it quotes.
func kdbxXMLError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d is not well-formed XML", se.Line)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("it ends early (truncated?)")
	}
	return errors.New("it is not well-formed XML")
}
