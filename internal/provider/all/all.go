// Package all builds every network tokenwatch knows from its configuration.
package all

import (
	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/facebook"
	"github.com/tokenwatch/tokenwatch/internal/provider/googlebusiness"
	"github.com/tokenwatch/tokenwatch/internal/provider/instagram"
	"github.com/tokenwatch/tokenwatch/internal/provider/instagramfb"
	"github.com/tokenwatch/tokenwatch/internal/provider/linkedin"
	"github.com/tokenwatch/tokenwatch/internal/provider/pinterest"
	"github.com/tokenwatch/tokenwatch/internal/provider/threads"
	"github.com/tokenwatch/tokenwatch/internal/provider/tiktok"
	"github.com/tokenwatch/tokenwatch/internal/provider/x"
	"github.com/tokenwatch/tokenwatch/internal/provider/youtube"
)

// Constructors builds each network from its configuration.
var Constructors = map[tokenwatch.Provider]func(provider.Config) provider.Provider{
	tokenwatch.Facebook:          func(c provider.Config) provider.Provider { return facebook.New(c) },
	tokenwatch.InstagramFacebook: func(c provider.Config) provider.Provider { return instagramfb.New(c) },
	tokenwatch.Instagram:         func(c provider.Config) provider.Provider { return instagram.New(c) },
	tokenwatch.LinkedIn:          func(c provider.Config) provider.Provider { return linkedin.New(c) },
	tokenwatch.GoogleBusiness:    func(c provider.Config) provider.Provider { return googlebusiness.New(c) },
	tokenwatch.YouTube:           func(c provider.Config) provider.Provider { return youtube.New(c) },
	tokenwatch.X:                 func(c provider.Config) provider.Provider { return x.New(c) },
	tokenwatch.TikTok:            func(c provider.Config) provider.Provider { return tiktok.New(c) },
	tokenwatch.Pinterest:         func(c provider.Config) provider.Provider { return pinterest.New(c) },
	tokenwatch.Threads:           func(c provider.Config) provider.Provider { return threads.New(c) },
}

// New builds every network, each with its configuration (a network absent
// from cfg gets a zero Config: real hosts, no credentials).
func New(cfg map[tokenwatch.Provider]provider.Config) provider.Registry {
	r := make(provider.Registry, len(Constructors))
	for name, build := range Constructors {
		r[name] = build(cfg[name])
	}
	return r
}
