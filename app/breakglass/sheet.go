package breakglass

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Options shape a sheet.
type Options struct {
	// Now is the printing time shown on every page.
	Now time.Time
	// IncludeQR adds each account's otpauth QR code, which holds its
	// secret. The sheet then says so in a warning at the top and next to
	// every code.
	IncludeQR bool
}

// ErrNoAccounts is returned for a sheet with nothing on it.
var ErrNoAccounts = errors.New("no account to put on the break-glass sheet")

// Page geometry, in millimetres on A4.
const (
	margin    = 15.0
	pageW     = 210.0
	contentW  = pageW - 2*margin
	qrSide    = 38.0
	lineH     = 5.0
	codeH     = 6.5
	codeFont  = 11.0
	boxSide   = 3.2
	colGap    = 6.0
	minBlockH = 45.0 // heading plus a few codes: less than this left, start a new page
)

// Write renders the sheet for accounts, in the order given, to w.
func Write(w io.Writer, accounts []vault.Account, opt Options) error {
	if len(accounts) == 0 {
		return ErrNoAccounts
	}
	s := newSheet(opt, len(accounts))
	s.intro()
	for i, a := range accounts {
		s.account(i, a)
		if s.pdf.Err() {
			return fmt.Errorf("break-glass sheet: account %d: %w", i+1, s.pdf.Error())
		}
	}
	if err := s.pdf.Output(w); err != nil {
		return fmt.Errorf("break-glass sheet: %w", err)
	}
	return nil
}

type sheet struct {
	pdf *fpdf.Fpdf
	opt Options
	n   int
	tr  func(string) string
}

func newSheet(opt Options, n int) *sheet {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin+5)
	pdf.SetCreationDate(opt.Now)
	pdf.SetModificationDate(opt.Now)
	pdf.SetCatalogSort(true)
	pdf.SetTitle("Latchkey break-glass sheet", true)
	pdf.SetCreator("Latchkey", true)
	pdf.AliasNbPages("")
	s := &sheet{pdf: pdf, opt: opt, n: n}
	s.tr = latin1(pdf.UnicodeTranslatorFromDescriptor(""))
	pdf.SetFooterFunc(s.footer)
	pdf.AddPage()
	return s
}

// latin1 wraps fpdf's cp1252 translator so characters the built-in fonts
// lack print as "?" rather than its ".", which reads as punctuation.
func latin1(tr func(string) string) func(string) string {
	return func(s string) string {
		var b strings.Builder
		for _, r := range s {
			t := tr(string(r))
			if t == "." && r != '.' {
				t = "?"
			}
			b.WriteString(t)
		}
		return b.String()
	}
}

func (s *sheet) footer() {
	p := s.pdf
	p.SetY(-margin)
	p.SetFont("Helvetica", "", 8)
	p.SetTextColor(110, 110, 110)
	text := fmt.Sprintf("Latchkey break-glass sheet - printed %s - page %d of {nb} - keep it safe, destroy old copies",
		s.opt.Now.Format("2 Jan 2006 15:04 MST"), p.PageNo())
	p.CellFormat(0, 4, text, "", 0, "C", false, 0, "")
	p.SetTextColor(0, 0, 0)
}

func (s *sheet) intro() {
	p := s.pdf
	p.SetFont("Helvetica", "B", 18)
	p.CellFormat(0, 9, "Break-glass sheet", "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	accounts := "1 account"
	if s.n != 1 {
		accounts = fmt.Sprintf("%d accounts", s.n)
	}
	p.MultiCell(0, lineH, s.tr(fmt.Sprintf("Backup and recovery codes for %s, printed %s. "+
		"Anyone holding this paper can sign in as you: keep it where you keep your passport, "+
		"and destroy it when you print a newer one.", accounts, s.opt.Now.Format("2 January 2006"))), "", "L", false)
	if s.opt.IncludeQR {
		p.Ln(2)
		s.warning("This sheet contains QR codes. Each one is the account's secret key: whoever scans it " +
			"can generate your codes forever, without any backup code. Print it only to move accounts to a new phone.")
	}
	p.Ln(3)
}

// warning prints a boxed red warning across the page.
func (s *sheet) warning(text string) {
	p := s.pdf
	p.SetFont("Helvetica", "B", 10)
	p.SetTextColor(170, 0, 0)
	p.SetDrawColor(170, 0, 0)
	p.MultiCell(0, lineH, s.tr("WARNING: "+text), "1", "L", false)
	p.SetTextColor(0, 0, 0)
	p.SetDrawColor(0, 0, 0)
}

func (s *sheet) account(i int, a vault.Account) {
	p := s.pdf
	s.keepTogether(s.estimate(a))
	if i > 0 && p.GetY() > margin+1 {
		y := p.GetY()
		p.SetDrawColor(160, 160, 160)
		p.Line(margin, y, pageW-margin, y)
		p.SetDrawColor(0, 0, 0)
		p.Ln(4)
	}
	top, page := p.GetY(), p.PageNo()
	textW := contentW
	if s.opt.IncludeQR {
		textW -= qrSide + 5
		s.qr(i, a, top)
	}
	s.heading(a, textW)
	s.codes(a, textW)
	s.recovery(a, textW)
	if s.opt.IncludeQR && p.PageNo() == page && p.GetY() < top+qrSide+8 {
		p.SetY(top + qrSide + 8)
	}
	s.steps(a)
	p.Ln(4)
}

// keepTogether starts a new page when the block would not fit in what is
// left of this one, unless it would not fit on any page anyway.
func (s *sheet) keepTogether(h float64) {
	_, pageH := s.pdf.GetPageSize()
	left := pageH - margin - 5 - s.pdf.GetY()
	if h > left && s.pdf.GetY() > margin+1 {
		s.pdf.AddPage()
	}
}

// estimate is the height of an account's block, close enough to decide on
// a page break: the part beside the QR code (heading, codes, recovery
// code), then the steps below.
func (s *sheet) estimate(a vault.Account) float64 {
	w := s.textWidth()
	unused := backupcodes.Unused(a)
	s.pdf.SetFont("Helvetica", "B", 14)
	head := 7*float64(len(s.pdf.SplitLines([]byte(s.tr(a.Issuer)), w))) + 2*(lineH+0.5) + 2
	if a.Portal != nil {
		head += lineH
	}
	cols := s.columns(unused, w)
	codes := lineH + 1 + float64((len(unused)+cols-1)/cols)*codeH + 2
	if a.RecoveryCode != "" {
		codes += lineH + 8
	}
	side := head + codes
	if s.opt.IncludeQR {
		side = max(side, qrSide+8)
	}
	const steps = lineH + 7*(lineH-0.5) + 4
	return max(side+steps+8, minBlockH)
}

func (s *sheet) textWidth() float64 {
	if s.opt.IncludeQR {
		return contentW - qrSide - 5
	}
	return contentW
}

func (s *sheet) heading(a vault.Account, w float64) {
	p := s.pdf
	issuer := a.Issuer
	if issuer == "" {
		issuer = "(no issuer)"
	}
	p.SetFont("Helvetica", "B", 14)
	p.MultiCell(w, 7, s.tr(issuer), "", "L", false)
	p.SetFont("Helvetica", "", 11)
	name := "Account: " + a.Name
	if a.Group != "" {
		name += "   (group: " + a.Group + ")"
	}
	p.MultiCell(w, lineH+0.5, s.tr(name), "", "L", false)
	if a.Portal != nil && a.Portal.URL != "" {
		p.SetFont("Helvetica", "", 9)
		p.MultiCell(w, lineH, s.tr("Portal: "+a.Portal.URL), "", "L", false)
	}
	p.Ln(2)
}

func (s *sheet) codes(a vault.Account, w float64) {
	p := s.pdf
	unused := backupcodes.Unused(a)
	sum := backupcodes.Summarize(a)
	p.SetFont("Helvetica", "B", 10)
	switch {
	case len(unused) == 0 && sum.Used == 0:
		p.CellFormat(w, lineH, "No backup codes stored.", "", 1, "L", false, 0, "")
		return
	case len(unused) == 0:
		p.CellFormat(w, lineH, fmt.Sprintf("No unused backup codes left (%d used).", sum.Used), "", 1, "L", false, 0, "")
		return
	}
	p.CellFormat(w, lineH, fmt.Sprintf("Backup codes: %d unused (%d used, not shown). Tick each one off when you use it.",
		len(unused), sum.Used), "", 1, "L", false, 0, "")
	p.Ln(1)
	s.codeGrid(unused, w)
}

// codeGrid lays codes out in as many columns as their width allows, in
// reading order row by row.
func (s *sheet) codeGrid(codes []string, w float64) {
	p := s.pdf
	p.SetFont("Courier", "", codeFont)
	cols := s.columns(codes, w)
	colW := w / float64(cols)
	x0 := p.GetX()
	for i, c := range codes {
		col := i % cols
		if col == 0 && i > 0 {
			p.Ln(codeH)
		}
		if col == 0 {
			// A break inside the grid happens between rows, never inside one.
			_, pageH := p.GetPageSize()
			if p.GetY()+codeH > pageH-margin-5 {
				p.AddPage()
				p.SetFont("Courier", "", codeFont)
			}
		}
		x, y := x0+float64(col)*colW, p.GetY()
		p.Rect(x, y+(codeH-boxSide)/2, boxSide, boxSide, "D")
		p.SetXY(x+boxSide+2, y)
		p.CellFormat(colW-boxSide-2, codeH, s.tr(c), "", 0, "L", false, 0, "")
	}
	p.Ln(codeH + 2)
	p.SetX(x0)
}

func (s *sheet) columns(codes []string, w float64) int {
	s.pdf.SetFont("Courier", "", codeFont)
	widest := 0.0
	for _, c := range codes {
		widest = max(widest, s.pdf.GetStringWidth(s.tr(c)))
	}
	cols := int(w / (widest + boxSide + 2 + colGap))
	return min(max(cols, 1), 5)
}

func (s *sheet) recovery(a vault.Account, w float64) {
	if a.RecoveryCode == "" {
		return
	}
	p := s.pdf
	p.SetFont("Helvetica", "B", 10)
	label := "Recovery code:"
	if a.RecoveryFromPreviousSetup {
		label = "Recovery code (from a previous setup, may no longer work):"
	}
	p.CellFormat(w, lineH, label, "", 1, "L", false, 0, "")
	p.SetFont("Courier", "B", 12)
	p.MultiCell(w, 7, s.tr(a.RecoveryCode), "", "L", false)
	p.Ln(1)
}

func (s *sheet) steps(a vault.Account) {
	p := s.pdf
	p.SetFont("Helvetica", "B", 10)
	p.CellFormat(0, lineH, "If you are locked out:", "", 1, "L", false, 0, "")
	p.SetFont("Helvetica", "", 9.5)
	for i, step := range Steps(a) {
		p.SetX(margin + 2)
		p.CellFormat(5, lineH-0.5, fmt.Sprintf("%d.", i+1), "", 0, "L", false, 0, "")
		p.MultiCell(contentW-7, lineH-0.5, s.tr(step), "", "L", false)
	}
}

// Steps are the ways back into an account, in the order to try them; the
// sheet prints them and the locked-out guide follows the same order.
func Steps(a vault.Account) []string {
	admin := "Ask your admin for a recovery link; say which account, and when you last signed in."
	if a.Portal != nil && a.Portal.URL != "" {
		admin = "Ask your admin at " + a.Portal.URL + " for a recovery link; say which account, and when you last signed in."
	}
	return []string{
		"Check the computer's clock: codes fail when it is more than half a minute off ('latchkey clock').",
		"Make sure the authenticator is the one enrolled last: after a new setup, the old entry's codes no longer work.",
		"Sign in with a backup code from this sheet, then tick it off here and mark it used in Latchkey.",
		"No backup code left: use the recovery code.",
		admin,
		"Once you are in, set up two-factor again, save the new codes, and print a new sheet.",
	}
}

func (s *sheet) qr(i int, a vault.Account, top float64) {
	p := s.pdf
	img, err := qrPNG(otpauth.Format(a))
	if err != nil {
		p.SetError(fmt.Errorf("QR code: %w", err))
		return
	}
	name := fmt.Sprintf("qr%d", i)
	p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
	x := pageW - margin - qrSide
	p.ImageOptions(name, x, top, qrSide, qrSide, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	p.SetXY(x-1, top+qrSide)
	p.SetFont("Helvetica", "B", 7)
	p.SetTextColor(170, 0, 0)
	p.MultiCell(qrSide+2, 3, "SECRET KEY: scan only to move this account", "", "C", false)
	p.SetTextColor(0, 0, 0)
	p.SetXY(margin, top)
}

// qrPNG draws an otpauth URI as a QR code with medium error correction: the
// sheet may be folded or faded by the time it is needed.
func qrPNG(text string) ([]byte, error) {
	hints := map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		gozxing.EncodeHintType_MARGIN:           2,
	}
	bm, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 300, 300, hints)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bm); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
