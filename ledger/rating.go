package ledger

// An operator's rating is a Bayesian average of their recent quality scores:
// three phantom scores of 5 stand for the benefit of the doubt a new
// operator gets, and the last MaxScores real scores follow:
//
//	rating = (3 × 5 + sum of the last 100 scores) / (3 + number of them)
//
// rounded half up to two decimals. Ratings are kept in hundredths (500 is
// 5.00) and computed with integer arithmetic only, so the rounding is exact.

// Score and rating bounds.
const (
	// MinScore and MaxScore bound a quality score; a dispute scores
	// MinScore.
	MinScore = 1
	MaxScore = 5
	// MaxScores is how many of the latest scores the rating counts.
	MaxScores = 100
	// priorScores phantom scores of MaxScore start every rating.
	priorScores = 3
)

// Rating returns the rating in hundredths, from 100 to 500, of an operator
// whose scores, oldest first, are scores: 500 with none, 400 after a single
// score of 1. Only the last MaxScores count. A score outside MinScore to
// MaxScore is taken as the nearer bound, so the rating stays in range.
func Rating(scores []int) int {
	if len(scores) > MaxScores {
		scores = scores[len(scores)-MaxScores:]
	}
	sum := priorScores * MaxScore
	for _, q := range scores {
		sum += min(max(q, MinScore), MaxScore)
	}
	// 100·sum/n rounded half up is ⌊(200·sum + n) / 2n⌋; everything is
	// positive, so integer division truncates towards the floor.
	n := priorScores + len(scores)
	return (200*sum + n) / (2 * n)
}

// AddScore returns the scores with q appended, keeping the last MaxScores,
// oldest first. It returns a new slice and never writes to the one given.
// It does not check q; Summary.AddScore does.
func AddScore(scores []int, q int) []int {
	if len(scores) >= MaxScores {
		scores = scores[len(scores)-MaxScores+1:]
	}
	next := make([]int, len(scores), len(scores)+1)
	copy(next, scores)
	return append(next, q)
}
