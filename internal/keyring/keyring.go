// Package keyring encrypts OAuth tokens at rest with AES-256-GCM. Each
// ciphertext is stored beside the id of the key that sealed it, so keys can
// be rotated: the keyring holds one current key, which seals, and any number
// of previous keys, which still open what they sealed until
// `tokenwatch keys rotate` has re-encrypted everything under the current one.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// ErrUnknownKey is returned when a ciphertext was sealed under a key the
// keyring does not hold.
var ErrUnknownKey = errors.New("keyring: ciphertext sealed under a key this keyring does not hold")

// ErrCorrupt is returned when a ciphertext fails authentication.
var ErrCorrupt = errors.New("keyring: ciphertext does not authenticate")

type key struct {
	id   string
	aead cipher.AEAD
}

// Keyring seals under its current key and opens under any of its keys.
type Keyring struct {
	current *key
	byID    map[string]*key
}

// New returns a keyring whose current key is current and which also opens
// ciphertexts sealed under any of previous. Keys are 32 bytes, written as
// standard or URL-safe base64 (padded or not) or as 64 hex digits.
func New(current string, previous ...string) (*Keyring, error) {
	k := &Keyring{byID: map[string]*key{}}
	cur, err := parseKey(current)
	if err != nil {
		return nil, err
	}
	k.current = cur
	k.byID[cur.id] = cur
	for _, p := range previous {
		if strings.TrimSpace(p) == "" {
			continue
		}
		pk, err := parseKey(p)
		if err != nil {
			return nil, fmt.Errorf("previous key: %w", err)
		}
		k.byID[pk.id] = pk
	}
	return k, nil
}

// Generate returns a new random key in the form New accepts.
func Generate() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // never fails
	return base64.StdEncoding.EncodeToString(b)
}

func parseKey(s string) (*key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("key is empty")
	}
	raw := decodeKey(s)
	if len(raw) != KeySize {
		return nil, fmt.Errorf("key must be %d bytes, as base64 or 64 hex digits (generate one with `tokenwatch keys generate`)", KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The id names the key without revealing it: an HMAC of a fixed label.
	mac := hmac.New(sha256.New, raw)
	mac.Write([]byte("tokenwatch key id"))
	return &key{id: hex.EncodeToString(mac.Sum(nil)[:4]), aead: aead}, nil
}

func decodeKey(s string) []byte {
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	return nil
}

// CurrentID returns the id of the key that seals.
func (k *Keyring) CurrentID() string { return k.current.id }

// Has reports whether the keyring holds the key with this id.
func (k *Keyring) Has(id string) bool { _, ok := k.byID[id]; return ok }

// Seal encrypts plaintext under the current key. context is authenticated
// but not stored: the same context must be given to Open (it binds a
// ciphertext to its purpose, e.g. "refresh_token").
func (k *Keyring) Seal(plaintext []byte, context string) (keyID string, ciphertext []byte) {
	nonce := make([]byte, k.current.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails
	return k.current.id, k.current.aead.Seal(nonce, nonce, plaintext, []byte(context))
}

// Open decrypts a ciphertext sealed under the key keyID.
func (k *Keyring) Open(keyID string, ciphertext []byte, context string) ([]byte, error) {
	key, ok := k.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, keyID)
	}
	n := key.aead.NonceSize()
	if len(ciphertext) < n {
		return nil, ErrCorrupt
	}
	pt, err := key.aead.Open(nil, ciphertext[:n], ciphertext[n:], []byte(context))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}
