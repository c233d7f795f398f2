package main

import "net"

// defaultBaseURL guesses the URL of a server started with c, for commands
// that run beside it (such as token).
func defaultBaseURL(c Config) string {
	scheme := "http"
	if c.TLSCert != "" || c.TLSSelfSigned {
		scheme = "https"
	}
	return baseURL(scheme, c.HTTPAddr)
}

// baseURL turns a listen address into a URL a browser on this machine can
// open: an unspecified host becomes localhost.
func baseURL(scheme, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://localhost:8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
