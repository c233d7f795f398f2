package web

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3 document of /api/v1. TestOpenAPIMatchesRoutes
// keeps it true: every route is in it and everything in it is a route.
//
//go:embed openapi.json
var openAPI []byte

// serveOpenAPI serves the document at /api/v1/openapi.json.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPI)
}
