package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// 1Password's CSV export: 1Password 8 writes the columns Title, Url,
// Username, Password, OTPAuth, Favorite, Archived, Tags and Notes; older
// releases let the user pick columns, the one-time password among them as
// "One-time password". The OTP column holds an otpauth:// URI or a bare
// secret. A Vault column, where there is one, is the group; otherwise the
// item's tags are.
const Format1PasswordCSV Format = "1password-csv"

func init() {
	register(reader{name: Format1PasswordCSV, priority: 221, detect: is1PasswordCSV,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return read1PasswordCSV(res, data)
		}})
}

// onePasswordOTPColumns are the headers of the one-time password column,
// lower case.
var onePasswordOTPColumns = []string{"otpauth", "one-time password", "one time password", "one-time password (totp)"}

func is1PasswordCSV(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	head, _, _ := bytes.Cut(data[:min(len(data), 4096)], []byte("\n"))
	cols, err := csv.NewReader(bytes.NewReader(head)).Read()
	if err != nil {
		return false
	}
	col := onePasswordColumns(cols)
	_, title := col["title"]
	return title && onePasswordOTPColumn(col) >= 0
}

func onePasswordColumns(header []string) map[string]int {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	return col
}

func onePasswordOTPColumn(col map[string]int) int {
	for _, name := range onePasswordOTPColumns {
		if i, ok := col[name]; ok {
			return i
		}
	}
	return -1
}

func read1PasswordCSV(res *Result, data []byte) error {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return damagedFilef("1Password CSV export: no header line")
	}
	col := onePasswordColumns(header)
	otp := onePasswordOTPColumn(col)
	if otp < 0 {
		return damagedFilef("1Password CSV export: no OTPAuth or One-time password column")
	}
	var tally bitwardenTally
	for i := 0; !res.full(); i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return damagedFilef("1Password CSV export: %s", csvProblem(err))
		}
		get := func(name string) string { return csvField(col, rec, name) }
		group := get("vault")
		if _, ok := col["vault"]; !ok {
			group = joinGroupNames(strings.Split(get("tags"), ","))
		}
		item := bitwardenItem{name: get("title"), username: get("username"), notes: get("notes"),
			folder: group, favourite: strings.EqualFold(get("favorite"), "true") || get("favorite") == "1"}
		if otp < len(rec) {
			item.totp = rec[otp]
		}
		tally.add(res, i, item)
	}
	tally.report(res)
	return nil
}
