package acctmap

import "testing"

func TestIndexCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := indexCache{m: map[string]*dsIndex{}, budget: 100}
	c.put("a", &dsIndex{version: 1, size: 40})
	c.put("b", &dsIndex{version: 1, size: 40})
	if c.get("a", 1) == nil {
		t.Fatal("a missing")
	}
	c.put("c", &dsIndex{version: 1, size: 40}) // over budget: b is the least recently used
	if c.get("b", 1) != nil || c.get("a", 1) == nil || c.get("c", 1) == nil {
		t.Errorf("after eviction: a=%v b=%v c=%v, want b evicted", c.m["a"] != nil, c.m["b"] != nil, c.m["c"] != nil)
	}
	if c.get("a", 2) != nil {
		t.Error("get returned an entry of another version")
	}
	c.put("a", &dsIndex{version: 0, size: 1}) // older than the cached one: ignored
	if c.m["a"].version != 1 {
		t.Error("an older version replaced a newer one")
	}
	c.put("big", &dsIndex{version: 1, size: 500}) // larger than the budget: kept alone
	if len(c.m) != 1 || c.m["big"] == nil || c.bytes != 500 {
		t.Errorf("after a big entry: %d entries, %d bytes", len(c.m), c.bytes)
	}
	c.drop("big")
	if len(c.m) != 0 || c.bytes != 0 {
		t.Errorf("after drop: %d entries, %d bytes", len(c.m), c.bytes)
	}
}
