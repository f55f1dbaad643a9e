package importer

import (
	"encoding/binary"
	"math/bits"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Argon2 as RFC 9106 describes it, for the Argon2d that KeePass and
// KeePassXC write by default: golang.org/x/crypto/argon2 offers only
// Argon2i and Argon2id. Argon2id is computed here too, so that the tests
// can check this code against x/crypto; the importer derives Argon2id keys
// with x/crypto. Callers bound the costs first (checkKDBXArgon2).

const (
	argon2TypeD  = 0
	argon2TypeID = 2

	argon2Version    = 0x13
	argon2BlockWords = 128 // 1 KiB blocks
	argon2SyncPoints = 4   // slices per pass
)

type argon2Block [argon2BlockWords]uint64

// argon2Params are one derivation's inputs.
type argon2Params struct {
	typ            int
	password, salt []byte
	secret, data   []byte // KeePass's optional K and A parameters
	time, memory   uint32 // passes; memory in KiB
	lanes          uint32
	keyLen         uint32
}

// argon2Key runs Argon2 (version 1.3) of p.typ.
func argon2Key(p argon2Params) []byte {
	if p.lanes < 1 {
		p.lanes = 1
	}
	memory := p.memory / (argon2SyncPoints * p.lanes) * (argon2SyncPoints * p.lanes)
	if memory < 2*argon2SyncPoints*p.lanes {
		memory = 2 * argon2SyncPoints * p.lanes
	}
	h0 := argon2H0(p)
	laneLen := memory / p.lanes
	segLen := laneLen / argon2SyncPoints
	b := make([]argon2Block, memory)
	var in [blake2b.Size + 8]byte
	copy(in[:], h0)
	for l := uint32(0); l < p.lanes; l++ {
		for c := uint32(0); c < 2; c++ {
			binary.LittleEndian.PutUint32(in[blake2b.Size:], c)
			binary.LittleEndian.PutUint32(in[blake2b.Size+4:], l)
			blockFromBytes(&b[l*laneLen+c], argon2Hash(in[:], 1024))
		}
	}
	for pass := uint32(0); pass < p.time; pass++ {
		for slice := uint32(0); slice < argon2SyncPoints; slice++ {
			var wg sync.WaitGroup
			for l := uint32(0); l < p.lanes; l++ {
				wg.Add(1)
				go func(lane uint32) {
					defer wg.Done()
					argon2Segment(b, p, memory, pass, slice, lane, laneLen, segLen)
				}(l)
			}
			wg.Wait()
		}
	}
	final := b[laneLen-1]
	for l := uint32(1); l < p.lanes; l++ {
		last := &b[l*laneLen+laneLen-1]
		for i := range final {
			final[i] ^= last[i]
		}
	}
	var out [1024]byte
	for i, w := range final {
		binary.LittleEndian.PutUint64(out[i*8:], w)
	}
	return argon2Hash(out[:], p.keyLen)
}

// argon2H0 is the pre-hash of every input.
func argon2H0(p argon2Params) []byte {
	h, _ := blake2b.New512(nil)
	var w [4]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(w[:], v)
		h.Write(w[:])
	}
	for _, v := range []uint32{p.lanes, p.keyLen, p.memory, p.time, argon2Version, uint32(p.typ)} {
		put(v)
	}
	for _, s := range [][]byte{p.password, p.salt, p.secret, p.data} {
		put(uint32(len(s)))
		h.Write(s)
	}
	return h.Sum(nil)
}

// argon2Hash is the variable-length hash H' of RFC 9106.
func argon2Hash(in []byte, n uint32) []byte {
	var pre [4]byte
	binary.LittleEndian.PutUint32(pre[:], n)
	if n <= blake2b.Size {
		h, _ := blake2b.New(int(n), nil)
		h.Write(pre[:])
		h.Write(in)
		return h.Sum(nil)
	}
	out := make([]byte, 0, n)
	h, _ := blake2b.New512(nil)
	h.Write(pre[:])
	h.Write(in)
	v := h.Sum(nil)
	for n-uint32(len(out)) > blake2b.Size {
		out = append(out, v[:32]...)
		if rest := n - uint32(len(out)); rest > blake2b.Size {
			s := blake2b.Sum512(v)
			v = s[:]
		} else {
			h, _ := blake2b.New(int(rest), nil)
			h.Write(v)
			v = h.Sum(nil)
		}
	}
	return append(out, v...)
}

func blockFromBytes(b *argon2Block, data []byte) {
	for i := range b {
		b[i] = binary.LittleEndian.Uint64(data[i*8:])
	}
}

// argon2Segment fills one segment of one lane.
func argon2Segment(b []argon2Block, p argon2Params, memory, pass, slice, lane, laneLen, segLen uint32) {
	independent := p.typ == argon2TypeID && pass == 0 && slice < argon2SyncPoints/2
	var addresses, input, zero argon2Block
	if independent {
		input[0], input[1], input[2] = uint64(pass), uint64(lane), uint64(slice)
		input[3], input[4], input[5] = uint64(memory), uint64(p.time), uint64(p.typ)
	}
	next := func() {
		input[6]++
		argon2G(&addresses, &zero, &input, false)
		argon2G(&addresses, &zero, &addresses, false)
	}
	start := uint32(0)
	if pass == 0 && slice == 0 {
		start = 2
		if independent {
			next()
		}
	}
	offset := lane*laneLen + slice*segLen + start
	for i := start; i < segLen; i, offset = i+1, offset+1 {
		prev := offset - 1
		if offset%laneLen == 0 {
			prev = offset + laneLen - 1
		}
		var rand uint64
		if independent {
			if i%argon2BlockWords == 0 {
				next()
			}
			rand = addresses[i%argon2BlockWords]
		} else {
			rand = b[prev][0]
		}
		refLane := uint32(rand>>32) % p.lanes
		if pass == 0 && slice == 0 {
			refLane = lane
		}
		ref := argon2RefIndex(pass, slice, i, uint32(rand), refLane == lane, laneLen, segLen)
		argon2G(&b[offset], &b[prev], &b[refLane*laneLen+ref], pass > 0)
	}
}

// argon2RefIndex maps J1 to a block of the reference lane (RFC 9106,
// section 3.4.1.2).
func argon2RefIndex(pass, slice, i, j1 uint32, sameLane bool, laneLen, segLen uint32) uint32 {
	var area uint32
	switch {
	case pass == 0 && sameLane:
		area = slice*segLen + i - 1
	case pass == 0:
		area = slice * segLen
		if i == 0 {
			area--
		}
	case sameLane:
		area = laneLen - segLen + i - 1
	default:
		area = laneLen - segLen
		if i == 0 {
			area--
		}
	}
	x := uint64(j1) * uint64(j1) >> 32
	y := uint64(area) * x >> 32
	rel := uint64(area) - 1 - y
	var startPos uint64
	if pass != 0 && slice != argon2SyncPoints-1 {
		startPos = uint64((slice + 1) * segLen)
	}
	return uint32((startPos + rel) % uint64(laneLen))
}

// argon2G is the compression function: out = P(x^y) ^ (x^y), XORed into
// out's old value when xor is set (passes after the first, version 1.3).
func argon2G(out, x, y *argon2Block, xor bool) {
	var r, q argon2Block
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	q = r
	for row := 0; row < 8; row++ {
		o := row * 16
		blamkaRound(&q, o, o+1, o+2, o+3, o+4, o+5, o+6, o+7, o+8, o+9, o+10, o+11, o+12, o+13, o+14, o+15)
	}
	for col := 0; col < 8; col++ {
		o := col * 2
		blamkaRound(&q, o, o+1, o+16, o+17, o+32, o+33, o+48, o+49, o+64, o+65, o+80, o+81, o+96, o+97, o+112, o+113)
	}
	for i := range out {
		v := q[i] ^ r[i]
		if xor {
			v ^= out[i]
		}
		out[i] = v
	}
}

// blamkaRound is BLAKE2b's round on 16 words of b, with BlaMka's
// multiplications.
func blamkaRound(b *argon2Block, v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15 int) {
	gb(b, v0, v4, v8, v12)
	gb(b, v1, v5, v9, v13)
	gb(b, v2, v6, v10, v14)
	gb(b, v3, v7, v11, v15)
	gb(b, v0, v5, v10, v15)
	gb(b, v1, v6, v11, v12)
	gb(b, v2, v7, v8, v13)
	gb(b, v3, v4, v9, v14)
}

func gb(b *argon2Block, ia, ib, ic, id int) {
	a, bb, c, d := b[ia], b[ib], b[ic], b[id]
	a += bb + 2*uint64(uint32(a))*uint64(uint32(bb))
	d = bits.RotateLeft64(d^a, -32)
	c += d + 2*uint64(uint32(c))*uint64(uint32(d))
	bb = bits.RotateLeft64(bb^c, -24)
	a += bb + 2*uint64(uint32(a))*uint64(uint32(bb))
	d = bits.RotateLeft64(d^a, -16)
	c += d + 2*uint64(uint32(c))*uint64(uint32(d))
	bb = bits.RotateLeft64(bb^c, -63)
	b[ia], b[ib], b[ic], b[id] = a, bb, c, d
}
