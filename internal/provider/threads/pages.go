package threads

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Pages is the consenting profile itself.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	return provider.Self(grant), nil
}
