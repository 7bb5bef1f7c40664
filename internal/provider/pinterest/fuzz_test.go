package pinterest

import (
	"testing"

	"github.com/tokenwatch/tokenwatch/internal/provider/providertest"
)

func FuzzTriage(f *testing.F) { providertest.FuzzTriage(f, apiTriage, tokenTriage) }
