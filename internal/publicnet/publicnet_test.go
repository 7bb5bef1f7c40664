package publicnet

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "8.8.8.8": true, "2606:4700::1111": true, "1.1.1.1": true,
		"127.0.0.1": false, "127.1.2.3": false, "::1": false, // loopback
		"10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "fd00::1": false, // private
		"169.254.169.254": false, "fe80::1": false, // link-local: cloud metadata
		"0.0.0.0": false, "::": false, "0.1.2.3": false, "255.255.255.255": false, "224.0.0.1": false, "ff02::1": false,
		"100.64.0.1": false, "198.18.0.1": false, "240.0.0.1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::ffff:8.8.8.8": true, // IPv4 in IPv6 clothes
		"64:ff9b::7f00:1": false, "2002:7f00:1::": false,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "intranet.example":
			return []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("10.1.2.3")}, nil
		case "hooks.example":
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
		}
		return nil, errors.New("no such host")
	}
	for host, public := range map[string]bool{
		"hooks.example": true, "8.8.8.8": true, "[2606:4700::1111]": true, "unknown.example": true,
		"127.0.0.1": false, "[::1]": false, "localhost": false, "LOCALHOST.": false, "api.localhost": false,
		"10.0.0.5": false, "169.254.169.254": false, "[fe80::1]": false, "intranet.example": false,
		"[::ffff:127.0.0.1]": false,
	} {
		err := CheckHost(context.Background(), host, lookup)
		if public != (err == nil) || (err != nil && !errors.Is(err, ErrNotPublic)) {
			t.Errorf("CheckHost(%s) = %v, want public %v", host, err, public)
		}
	}
}
