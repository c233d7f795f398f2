package signaling

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code string // "" means valid
	}{
		{`{"type":"join","token":"t"}`, ""},
		{`{"type":"ping"}`, ""},
		{` {"type":"offer","sdp":"v=0"} `, ""},
		{`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}}`, ""},
		{`{"type":"layer","quality":"low"}`, ""},
		{`{"type":"layer","track":"TR_a","quality":"high"}`, ""},
		{`{"type":"mute","participant":"v","track":"TR_a","muted":true}`, ""},
		{`{"type":"remove","participant":"v"}`, ""},
		{`{"type":"move","participant":"v","room":"m~caucus-1"}`, ""},
		{`{"type":"admit","participant":"v"}`, ""},
		{``, CodeBadJSON},
		{`[]`, CodeBadJSON},
		{`{"type":`, CodeBadJSON},
		{`{"type":"ping"} {"type":"ping"}`, CodeBadJSON},
		{`{"type":5}`, CodeBadJSON},
		{`{"type":"join","token":7}`, CodeBadJSON},
		{`{}`, CodeUnknownType},
		{`{"type":"subscribe"}`, CodeUnknownType},
		{`{"type":"joined"}`, CodeUnknownType},
		{`{"type":"join"}`, CodeMissingField},
		{`{"type":"offer"}`, CodeMissingField},
		{`{"type":"answer","sdp":""}`, CodeMissingField},
		{`{"type":"candidate"}`, CodeMissingField},
		{`{"type":"layer","quality":"ultra"}`, CodeBadQuality},
		{`{"type":"layer","quality":"low","track":{}}`, CodeBadJSON},
		{`{"type":"mute","participant":"v","track":"t"}`, CodeMissingField},
		{`{"type":"mute","participant":{"identity":"v"},"track":"t","muted":true}`, CodeBadJSON},
		{`{"type":"remove"}`, CodeMissingField},
		{`{"type":"move","participant":"v"}`, CodeMissingField},
		{`{"type":"move","room":"m~caucus-1"}`, CodeMissingField},
		{`{"type":"move","participant":7,"room":"m"}`, CodeBadJSON},
		{`{"type":"admit"}`, CodeMissingField},
		{`{"type":"admit","participant":{"identity":"v"}}`, CodeBadJSON},
	} {
		_, err := Decode([]byte(tc.in))
		if tc.code == "" {
			if err != nil {
				t.Errorf("Decode(%s) = %v, want ok", tc.in, err)
			}
			continue
		}
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Code != tc.code {
			t.Errorf("Decode(%s) = %v, want code %s", tc.in, err, tc.code)
		}
	}
}

// FuzzDecode checks that no input panics and that every refusal is a
// ProtocolError with a documented code.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"join","token":"t","room":"r"}`,
		`{"type":"offer","sdp":"v=0\r\n"}`,
		`{"type":"candidate","candidate":{"candidate":"","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"mute","participant":"v","track":"TR_a","muted":false}`,
		`{"type":"layer","quality":"medium"}`,
		`{"type":"remove","participant":"x"}`,
		`{"type":"move","participant":"x","room":"r~caucus-2"}`,
		`{"type":"admit","participant":"x"}`,
		`{"type":"`, `null`, `{"type":"ping","x":[1,2,{"y":null}]}`,
	} {
		f.Add([]byte(s))
	}
	codes := map[string]bool{CodeBadJSON: true, CodeUnknownType: true, CodeMissingField: true, CodeBadQuality: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || !codes[pe.Code] {
				t.Fatalf("Decode(%q) error %v is not a documented ProtocolError", data, err)
			}
			return
		}
		if !clientTypes[m.Type] {
			t.Fatalf("Decode(%q) accepted type %q", data, m.Type)
		}
		if m.Type == "join" && strings.TrimSpace(m.Token) == "" && m.Token == "" {
			t.Fatalf("Decode(%q) accepted a join without a token", data)
		}
	})
}
