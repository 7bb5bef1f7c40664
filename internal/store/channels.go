package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// channelURLContext binds each sealed channel URL to its column.
const channelURLContext = "tokenwatch location_channels url"

// Channel is a chat channel of a location that receives the alerts of its
// pages: a Slack or Microsoft Teams incoming webhook. Its URL authorizes
// posting to the channel, so it is kept sealed and read only by the code
// that posts (ChannelURL); people see URLHint.
type Channel struct {
	ID         int64
	AccountID  int64
	LocationID int64
	Kind       string // ChannelSlack or ChannelTeams
	Name       string
	// URLHint shows which webhook it is without giving it away: the host
	// and the last characters.
	URLHint   string
	CreatedBy int64
	CreatedAt time.Time
}

// CreateChannel adds a channel to its location (c.LocationID) and sets its
// ID, AccountID and CreatedAt. The URL is sealed before it is stored; the
// caller has checked that it is a webhook URL of the kind.
func (s *Store) CreateChannel(ctx context.Context, c *Channel, url tokenwatch.Secret) error {
	if c.Kind != ChannelSlack && c.Kind != ChannelTeams {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "Choose Slack or Microsoft Teams.")
	}
	if url.IsZero() {
		return tokenwatch.Errorf(tokenwatch.CodeInvalid, "Paste the channel's webhook address.")
	}
	c.Name = strings.TrimSpace(c.Name)
	c.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	keyID, sealed := s.keys.Seal([]byte(url.Reveal()), channelURLContext)
	var createdBy any
	if c.CreatedBy != 0 {
		createdBy = c.CreatedBy
	}
	err := s.queryRow(ctx, s.db, `INSERT INTO location_channels (account_id, location_id, kind, name, key_id, url, url_hint, created_by, created_at)
		SELECT account_id, id, $2, $3, $4, $5, $6, $7, $8 FROM locations WHERE id = $1 RETURNING id, account_id`,
		c.LocationID, c.Kind, c.Name, keyID, sealed, c.URLHint, createdBy, c.CreatedAt).Scan(&c.ID, &c.AccountID)
	return notFound(err, "location")
}

const channelColumns = `c.id, c.account_id, c.location_id, c.kind, c.name, c.url_hint, coalesce(c.created_by, 0), c.created_at`

func scanChannel(sc scanner, extra ...any) (*Channel, error) {
	var c Channel
	err := scan(sc, append([]any{&c.ID, &c.AccountID, &c.LocationID, &c.Kind, &c.Name, &c.URLHint, &c.CreatedBy, &c.CreatedAt}, extra...)...)
	return &c, err
}

// LocationChannels returns a location's channels, oldest first (a location
// has a few).
func (s *Store) LocationChannels(ctx context.Context, locationID int64) ([]*Channel, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+channelColumns+` FROM location_channels c WHERE c.location_id = $1 ORDER BY c.id`, locationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChannelsAt returns the channels of each of the locations (the sweep's
// batch of alerted pages), oldest first.
func (s *Store) ChannelsAt(ctx context.Context, locationIDs []int64) (map[int64][]*Channel, error) {
	out := map[int64][]*Channel{}
	err := s.byIDs(ctx, s.rdb, func(n int) string {
		return `SELECT ` + channelColumns + ` FROM location_channels c WHERE c.location_id IN (` + placeholders(1, n) + `) ORDER BY c.id`
	}, nil, locationIDs, func(rows *sql.Rows) error {
		c, err := scanChannel(rows)
		if err != nil {
			return err
		}
		// A location listed twice (ids are padded) gives its rows twice.
		for _, have := range out[c.LocationID] {
			if have.ID == c.ID {
				return nil
			}
		}
		out[c.LocationID] = append(out[c.LocationID], c)
		return nil
	})
	return out, err
}

// ChannelURL returns a channel with its webhook URL, for posting to it.
func (s *Store) ChannelURL(ctx context.Context, id int64) (*Channel, tokenwatch.Secret, error) {
	var (
		keyID  string
		sealed []byte
	)
	c, err := scanChannel(s.queryRow(ctx, s.rdb, `SELECT `+channelColumns+`, c.key_id, c.url FROM location_channels c WHERE c.id = $1`, id), &keyID, &sealed)
	if err != nil {
		return nil, tokenwatch.Secret{}, notFound(err, "channel")
	}
	pt, err := s.keys.Open(keyID, sealed, channelURLContext)
	if err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	return c, tokenwatch.NewSecret(string(pt)), nil
}

// DeleteChannel removes a channel of a location, and with it its messages
// still waiting in the outbox.
func (s *Store) DeleteChannel(ctx context.Context, locationID, id int64) error {
	res, err := s.exec(ctx, s.db, `DELETE FROM location_channels WHERE id = $1 AND location_id = $2`, id, locationID)
	return affectedOne(res, err, "channel")
}

// ChannelDeliveries returns a channel's latest messages in the outbox,
// newest first, at most limit: what its page shows of how they went.
func (s *Store) ChannelDeliveries(ctx context.Context, channelID int64, limit int) ([]*Delivery, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+deliveryColumns+` FROM deliveries WHERE channel_id = $1 ORDER BY id DESC LIMIT $2`, channelID, limit)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}
