package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"hearingroom/web"
)

// apiPrefix is the server url of the OpenAPI document.
const apiPrefix = "/api/v1"

// operationMethods are the keys of a path item that are operations.
var operationMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// apiRoutes returns every "METHOD /path" the server routes under /api/v1,
// the path relative to it. The handlers are only mounted, never called, so
// empty Sessions, Lookup and API suffice.
func apiRoutes(t *testing.T) map[string]bool {
	t.Helper()
	h := web.New(web.Options{Sessions: &web.Sessions{}, Lookup: &web.Lookup{}, API: &web.API{}})
	r, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("web.New returned a %T, not a chi router", h)
	}
	routes := map[string]bool{}
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		p, ok := strings.CutPrefix(route, apiPrefix+"/")
		if !ok {
			return nil
		}
		// r.Route mounts a subrouter whose "/" route walks as "/cases/".
		p = "/" + strings.TrimSuffix(p, "/")
		routes[method+" "+p] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) == 0 {
		t.Fatal("no routes under " + apiPrefix)
	}
	return routes
}

func readOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// resolve returns what the local reference ref ("#/a/b") points to in doc.
func resolve(doc map[string]any, ref string) (any, bool) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(ptr, "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deref follows v's $ref, if it has one.
func deref(doc map[string]any, v any) map[string]any {
	m, _ := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		r, _ := resolve(doc, ref)
		m, _ = r.(map[string]any)
	}
	return m
}

// refs calls fn with the location and target of every $ref under v.
func refs(v any, at string, fn func(at, ref string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				fn(at, s)
				continue
			}
			refs(x, at+"/"+k, fn)
		}
	case []any:
		for i, x := range v {
			refs(x, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

var pathParam = regexp.MustCompile(`\{([^}/]+)\}`)

// TestOpenAPIMatchesRoutes keeps openapi.json true: every route under
// /api/v1 is documented, every documented operation is a route, and each
// operation is complete enough for a client to be written from it.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	routes := apiRoutes(t)
	doc := readOpenAPI(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi is %v, want 3.1.0", doc["openapi"])
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("openapi.json has no paths")
	}

	documented := map[string]bool{}
	ids := map[string]string{}
	for path, item := range paths {
		pi, _ := item.(map[string]any)
		for _, method := range operationMethods {
			raw, ok := pi[method]
			if !ok {
				continue
			}
			name := strings.ToUpper(method) + " " + path
			documented[name] = true
			opn, _ := raw.(map[string]any)

			id, _ := opn["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", name)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s: operationId %q is also %s's", name, id, other)
			}
			ids[id] = name
			if s, _ := opn["summary"].(string); s == "" {
				t.Errorf("%s: no summary", name)
			}

			responses, _ := opn["responses"].(map[string]any)
			success := false
			for code := range responses {
				if len(code) == 3 && code[0] == '2' {
					success = true
				}
			}
			if !success {
				t.Errorf("%s: no 2xx response", name)
			}
			sec, hasSec := opn["security"].([]any)
			public := hasSec && len(sec) == 0
			if _, ok := responses["401"]; !public && !ok {
				t.Errorf("%s: needs a sign-in or a device but documents no 401", name)
			}

			// Every parameter of the path template is declared, in the
			// operation or the path item, and every declared path
			// parameter is in the template.
			declared := map[string]bool{}
			for _, list := range []any{pi["parameters"], opn["parameters"]} {
				ps, _ := list.([]any)
				for _, p := range ps {
					pm := deref(doc, p)
					if pm == nil {
						t.Errorf("%s: a parameter does not resolve", name)
						continue
					}
					if pm["in"] == "path" {
						pn, _ := pm["name"].(string)
						declared[pn] = true
						if pm["required"] != true {
							t.Errorf("%s: path parameter %s is not required", name, pn)
						}
					}
				}
			}
			var inTemplate []string
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				inTemplate = append(inTemplate, m[1])
				if !declared[m[1]] {
					t.Errorf("%s: path parameter {%s} is not declared", name, m[1])
				}
			}
			for pn := range declared {
				if !slices.Contains(inTemplate, pn) {
					t.Errorf("%s: declares path parameter %s that the path does not have", name, pn)
				}
			}
		}
	}

	for r := range routes {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !routes[d] {
			t.Errorf("openapi.json documents %s, which is no route", d)
		}
	}

	t.Logf("%d routes under %s, %d operations documented", len(routes), apiPrefix, len(documented))

	refs(doc, "#", func(at, ref string) {
		if _, ok := resolve(doc, ref); !ok {
			t.Errorf("%s: $ref %s does not resolve", at, ref)
		}
	})
}

// TestOpenAPIServed checks that the document is served as it is written.
func TestOpenAPIServed(t *testing.T) {
	srv := httptest.NewServer(web.New(web.Options{}))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + apiPrefix + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("the served document does not parse: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Paths) == 0 {
		t.Error("the served document has no paths")
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, file) {
		t.Error("the served document is not openapi.json")
	}
}
