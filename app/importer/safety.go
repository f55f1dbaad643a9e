package importer

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
)

// Limits on hostile input, checked before any allocation or key derivation
// they would drive. Real exports stay far below each; ARCHITECTURE.md
// ("Hostile input") says why each is where it is.
const (
	// MaxJSONDepth bounds nesting: real exports nest five or six levels.
	MaxJSONDepth = 64

	// Size. A vault of a few hundred accounts is a large one; an MSP
	// admin's with every customer's tenant a few thousand.

	// MaxInputBytes bounds one input (a file, standard input, a drop): the
	// largest real exports are a few megabytes with icons, photos of QR
	// codes some tens (app/qrscan reads at most as much).
	MaxInputBytes = 64 << 20
	// MaxEntries bounds the accounts one import reads, its inputs together
	// (an Importer): entries, and entries skipped with a reason.
	MaxEntries = 5000
	// MaxImportBytes bounds the account data one import keeps (icons and
	// notes, mostly), its inputs together.
	MaxImportBytes = 128 << 20
	// MaxJSONArrayLen bounds the items of any one JSON list: decoding a list
	// of empty items takes ten times the bytes they are written in.
	MaxJSONArrayLen = 100_000

	// Key derivation. The real apps write: Aegis scrypt N=2^15, r=8, p=1
	// (4 MiB, a few tens of milliseconds); andOTP PBKDF2-SHA1 with
	// 140,000–160,000 iterations; 2FAS PBKDF2-SHA256 10,000; Authenticator
	// Pro Argon2id t=3, 64 MiB, p=4 or PBKDF2-SHA1 64,000; Proton Argon2id
	// t=2, 19 MiB, p=1; Latchkey's age backup scrypt work factor 18 (N=2^18,
	// r=8: 256 MiB, about a second). The limits leave headroom above those
	// and no more: a file asking for more is damaged or made to stall the
	// import or exhaust memory.

	// MaxScryptN bounds scrypt's N (32 times Aegis's).
	MaxScryptN = 1 << 20
	// MaxScryptR and MaxScryptP bound scrypt's other factors.
	MaxScryptR, MaxScryptP = 32, 16
	// MaxScryptMemory bounds the 128·N·r bytes one derivation allocates:
	// age's default, 64 times Aegis's.
	MaxScryptMemory = 256 << 20
	// MaxScryptWork bounds N·r·p, the time of one derivation: age's
	// default cost (2^18·8, about a second here), 8 times Aegis's.
	MaxScryptWork = 1 << 21
	// MaxFileScryptWork bounds the scrypt work of every derivation one file
	// may need (Aegis: each password slot, in each password form tried):
	// twice MaxScryptWork, 16 times what an Aegis vault costs.
	MaxFileScryptWork = 2 * MaxScryptWork
	// MaxAegisPasswordSlots bounds the password slots tried: Aegis keeps
	// one.
	MaxAegisPasswordSlots = 8
	// MaxAgeWorkFactor bounds the age backup's scrypt work factor (log2 N,
	// r=8): what Latchkey and age write, 256 MiB (MaxScryptMemory).
	MaxAgeWorkFactor = 18
	// MaxPBKDF2Iterations: about six times andOTP's most, 100 times 2FAS's;
	// a few tenths of a second.
	MaxPBKDF2Iterations = 1_000_000
	// MaxArgon2MemoryKiB bounds Argon2 memory at MaxScryptMemory;
	// MaxArgon2Time and MaxArgon2Threads its passes and lanes. (The apps'
	// Argon2 costs are constants of the format, not read from the file.)
	MaxArgon2MemoryKiB = MaxScryptMemory >> 10
	MaxArgon2Time      = 16
	MaxArgon2Threads   = 16

	// KeePass databases (KDBX) say their own costs, and KeePassXC picks
	// them by timing: Argon2 with 64 MiB and the iterations that take one
	// second on the machine that saved it (10 to 30 on a desktop), or
	// AES-KDF rounds for one second (some tens of millions with AES-NI).
	// Memory is bounded by MaxArgon2MemoryKiB.

	// MaxKDBXAESRounds bounds AES-KDF: about two seconds here.
	MaxKDBXAESRounds = 100_000_000
	// MaxKDBXArgon2Iterations and MaxKDBXArgon2Lanes bound Argon2's
	// passes and lanes (KeePassXC gives it one lane per core).
	MaxKDBXArgon2Iterations = 100
	MaxKDBXArgon2Lanes      = 64
	// MaxKDBXArgon2Work bounds memory (KiB) times iterations: 64 MiB for
	// 40 iterations, a few seconds.
	MaxKDBXArgon2Work = 64 << 10 * 40
	// MaxKDBXXMLBytes bounds a database's decompressed content (XML and
	// attachments): four times MaxInputBytes, against compression bombs.
	MaxKDBXXMLBytes = 4 * MaxInputBytes
)

// ErrTooCostly is returned for key-derivation parameters beyond the limits:
// a file asking for them is damaged or an attack, and running them would
// hang the app or exhaust memory.
var ErrTooCostly = errors.New("the file asks for more key-derivation work than Latchkey allows")

// ErrTooLarge is matched by the errors for an input beyond MaxInputBytes,
// MaxEntries, MaxImportBytes or MaxJSONArrayLen.
var ErrTooLarge = errors.New("the input is larger than Latchkey imports")

// ErrTooDeep is returned for JSON nested beyond MaxJSONDepth.
var ErrTooDeep = errors.New("JSON nested too deeply")

// decodeJSON decodes data into v after checking its nesting depth, and
// refuses trailing data.
func decodeJSON(data []byte, v any) error {
	if err := checkDepth(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not valid JSON for this format: %w", err)
	}
	if dec.More() {
		return errors.New("not valid JSON for this format: data after the document")
	}
	return nil
}

// checkDepth scans for nesting beyond MaxJSONDepth and lists longer than
// MaxJSONArrayLen without decoding: the standard decoder recurses per level
// (10,000 levels is its own limit, far more than real files and enough to
// cost real stack), and a list of empty items decodes into ten times the
// bytes it is written in.
func checkDepth(data []byte) error {
	// items[d] counts the commas of the list open at depth d; -1 marks an
	// object.
	var items [MaxJSONDepth + 1]int
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxJSONDepth {
				return fmt.Errorf("%w (more than %d levels)", ErrTooDeep, MaxJSONDepth)
			}
			items[depth] = -1
			if c == '[' {
				items[depth] = 0
			}
		case c == ',':
			if depth > 0 && items[depth] >= 0 {
				if items[depth]++; items[depth] >= MaxJSONArrayLen {
					return tooLarge(fmt.Sprintf("a list of more than %d items; no real export has that many", MaxJSONArrayLen))
				}
			}
		case c == '}' || c == ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// checkScrypt refuses scrypt parameters beyond the limits.
func checkScrypt(n, r, p int) error {
	if n <= 1 || n&(n-1) != 0 || r <= 0 || p <= 0 {
		return fmt.Errorf("invalid scrypt parameters N=%d r=%d p=%d", n, r, p)
	}
	if n > MaxScryptN || r > MaxScryptR || p > MaxScryptP ||
		128*n*r > MaxScryptMemory || n*r*p > MaxScryptWork {
		return fmt.Errorf("%w: scrypt N=%d, r=%d, p=%d (at most N=%d, %d MiB, N·r·p=%d)",
			ErrTooCostly, n, r, p, MaxScryptN, MaxScryptMemory>>20, MaxScryptWork)
	}
	return nil
}

// checkPBKDF2 refuses iteration counts beyond the limit.
func checkPBKDF2(iterations int) error {
	if iterations <= 0 {
		return fmt.Errorf("invalid PBKDF2 iteration count %d", iterations)
	}
	if iterations > MaxPBKDF2Iterations {
		return fmt.Errorf("%w: PBKDF2 with %d iterations (at most %d)", ErrTooCostly, iterations, MaxPBKDF2Iterations)
	}
	return nil
}

// checkArgon2 refuses Argon2 parameters beyond the limits.
func checkArgon2(time, memoryKiB, threads int) error {
	if time <= 0 || memoryKiB <= 0 || threads <= 0 || threads > 255 {
		return fmt.Errorf("invalid Argon2 parameters t=%d m=%d KiB p=%d", time, memoryKiB, threads)
	}
	if time > MaxArgon2Time || memoryKiB > MaxArgon2MemoryKiB || threads > MaxArgon2Threads {
		return fmt.Errorf("%w: Argon2 t=%d m=%d KiB p=%d", ErrTooCostly, time, memoryKiB, threads)
	}
	return nil
}

// openGCM decrypts AES-GCM. A failure means a wrong key, which for a
// password-derived key is a wrong password (ErrWrongPassword); callers with
// a separate integrity check may say otherwise.
func openGCM(key, nonce, ciphertext, additional []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("AES key: %w", err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(nonce))
	if err != nil || len(nonce) == 0 {
		return nil, fmt.Errorf("AES-GCM nonce of %d bytes is invalid", len(nonce))
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, additional)
	if err != nil {
		return nil, ErrWrongPassword
	}
	return plain, nil
}
