// Package api holds the OpenAPI 3 document of humop's HTTP contract: every
// endpoint that httpapi serves (the /api/v1 paths for operators and agents)
// and those the dev server adds (/healthz and, in development, the /dev/
// controls and /.well-known/jwks.json), with their request bodies,
// parameters, responses, error shapes and security schemes.
//
// Agent builders in any language generate a client from it; embedders may
// serve it next to the handler. The document is api/openapi.json in the
// repository, embedded here so it ships with the code it describes. A test in
// httpapi drives every endpoint through the real handler and validates each
// request and response against it, so the document cannot drift from the
// code unnoticed.
package api

import _ "embed"

// OpenAPI is the OpenAPI 3.0.3 document of the HTTP contract, as JSON. It is
// the content of openapi.json; callers must not modify the slice.
//
//go:embed openapi.json
var OpenAPI []byte
