package acctmap

import (
	"sync"
	"testing"

	"github.com/acctmap/acctmap/internal/match"
)

// A partner's view being built by one reader while a sync lists the views
// built so far (Network.advance) must not race: under -race this failed
// when viewIndex.idx was a plain field written inside sync.Once.
func TestViewBuildAndBuiltViewsDoNotRace(t *testing.T) {
	t.Parallel()
	public := match.Build(match.NewDict(), []match.Record{
		{ID: "a", Domains: []string{"a.io"}, Mask: 1},
		{ID: "b", Domains: []string{"b.io"}, Mask: 2},
	})
	for range 50 {
		e := &dsIndex{public: public}
		var wg sync.WaitGroup
		wg.Go(func() { e.view(1) })
		wg.Go(func() {
			for range 20 {
				e.builtViews()
			}
		})
		wg.Wait()
		if got := e.builtViews(); got[1] == nil {
			t.Fatalf("the view of slot 0 is not listed after it was built: %v", got)
		}
	}
}
