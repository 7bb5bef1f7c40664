// Package api holds the OpenAPI 3.1 document of tokenwatch's JSON API
// (openapi.yaml), the single source of the API: the server's interface and
// types (internal/api) and the Go client (internal/api/apiclient) are
// generated from it, and the API's tests check every response against it.
// The server serves it, as JSON, at /api/v1/openapi.json.
package api

import (
	_ "embed"
	"encoding/json"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:generate go tool oapi-codegen -config server.cfg.yaml openapi.yaml
//go:generate go tool oapi-codegen -config client.cfg.yaml openapi.yaml

// YAML is the document as written.
//
//go:embed openapi.yaml
var YAML []byte

var (
	jsonOnce sync.Once
	jsonDoc  []byte
	jsonErr  error
)

// JSON returns the document as JSON.
func JSON() ([]byte, error) {
	jsonOnce.Do(func() {
		var v any
		if jsonErr = yaml.Unmarshal(YAML, &v); jsonErr != nil {
			return
		}
		jsonDoc, jsonErr = json.MarshalIndent(v, "", "  ")
	})
	return jsonDoc, jsonErr
}
