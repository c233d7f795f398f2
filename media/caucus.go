package media

import (
	"strconv"
	"strings"
)

// A mediation's caucus rooms (背对背) are separate rooms beside its main
// room, named "<main>~caucus-<n>" with n from 1 to MaxCaucus. The main
// room and its caucus rooms are one family: a mediator may move people
// between them, and they belong to one session record. This file is the
// only place that knows the naming.
const (
	caucusInfix = "~caucus-"
	// MaxCaucus is the number of caucus rooms a main room may have.
	MaxCaucus = 9
)

// CaucusRoom returns the name of caucus room n of main, and false when n is
// out of range or main is itself a caucus room.
func CaucusRoom(main string, n int) (string, bool) {
	if n < 1 || n > MaxCaucus || main == "" || MainRoom(main) != main {
		return "", false
	}
	return main + caucusInfix + strconv.Itoa(n), true
}

// MainRoom returns the main room of a caucus room, and room itself for any
// other name.
func MainRoom(room string) string {
	main, _ := splitCaucus(room)
	return main
}

// CaucusNumber returns n of a caucus room "<main>~caucus-<n>", and 0 for any
// other name.
func CaucusNumber(room string) int {
	_, n := splitCaucus(room)
	return n
}

// SameFamily reports whether a and b are the same main room or caucus rooms
// of one main room.
func SameFamily(a, b string) bool { return MainRoom(a) == MainRoom(b) }

// FamilyRooms returns main and the names of all its caucus rooms, main first.
func FamilyRooms(main string) []string {
	main = MainRoom(main)
	rooms := make([]string, 0, MaxCaucus+1)
	rooms = append(rooms, main)
	for n := 1; n <= MaxCaucus; n++ {
		rooms = append(rooms, main+caucusInfix+strconv.Itoa(n))
	}
	return rooms
}

func splitCaucus(room string) (string, int) {
	i := strings.LastIndex(room, caucusInfix)
	if i <= 0 {
		return room, 0
	}
	n, err := strconv.Atoi(room[i+len(caucusInfix):])
	if err != nil || n < 1 || n > MaxCaucus || strconv.Itoa(n) != room[i+len(caucusInfix):] {
		return room, 0
	}
	if _, m := splitCaucus(room[:i]); m != 0 {
		return room, 0 // a caucus room has no caucus rooms
	}
	return room[:i], n
}
