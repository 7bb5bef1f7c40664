package keyring

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, err := New(Generate())
	if err != nil {
		t.Fatal(err)
	}
	id, ct := k.Seal([]byte("EAAB-secret-token"), "access_token")
	if id != k.CurrentID() {
		t.Errorf("sealed under %s, current is %s", id, k.CurrentID())
	}
	if bytes.Contains(ct, []byte("secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	pt, err := k.Open(id, ct, "access_token")
	if err != nil || string(pt) != "EAAB-secret-token" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := k.Open(id, ct, "refresh_token"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with another context: %v, want ErrCorrupt", err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := k.Open(id, ct, "access_token"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open of a tampered ciphertext: %v, want ErrCorrupt", err)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := Generate(), Generate()
	old, _ := New(oldKey)
	id, ct := old.Seal([]byte("tok"), "c")

	rotated, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.CurrentID() == id {
		t.Fatal("new key has the old key's id")
	}
	if pt, err := rotated.Open(id, ct, "c"); err != nil || string(pt) != "tok" {
		t.Fatalf("rotated keyring cannot open the old ciphertext: %q, %v", pt, err)
	}
	onlyNew, _ := New(newKey)
	if _, err := onlyNew.Open(id, ct, "c"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open under a dropped key: %v, want ErrUnknownKey", err)
	}
}

func TestKeyFormats(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{7}, KeySize)
	hexKey := hex.EncodeToString(raw)
	a, err := New(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
	if err != nil {
		t.Fatal(err)
	}
	if a.CurrentID() != b.CurrentID() {
		t.Error("the same key in hex and base64 has two ids")
	}
	for _, bad := range []string{"", "short", strings.Repeat("z", 64)} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}
