// Package suggest finds the word a user most likely meant: the nearest of the
// valid names by edit distance, for "did you mean" hints on misspelled flags
// and config keys.
package suggest

import "strings"

// Nearest returns the candidate closest to word (case ignored), if one is
// near enough to be a likely typo: one edit for a word of up to three
// letters, else a third of its length, at least 2 and at most 3.
func Nearest(word string, candidates []string) (string, bool) {
	limit := 1
	if len(word) > 3 {
		limit = min(max(len(word)/3, 2), 3)
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := distance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// distance is the edit distance between a and b: the fewest single
// character insertions, deletions, substitutions and swaps of two neighbours
// (the commonest typo: cuont) that turn a into b (Levenshtein with
// transpositions, the optimal string alignment distance).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
