package instagram

import (
	"context"

	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Pages is the consenting account itself.
func (p *Provider) Pages(ctx context.Context, grant *provider.Grant) ([]provider.Candidate, error) {
	return provider.Self(grant), nil
}
