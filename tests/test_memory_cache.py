"""The cache each worker keeps in memory when no Redis is set (stored pages, cards, counts)."""
from storefront.extensions import cache
from storefront.memory_cache import MemoryCache


def test_the_app_keeps_its_cache_in_memory_when_no_redis_is_set(app):
    assert isinstance(cache.cache, MemoryCache)


def test_a_full_cache_drops_its_oldest_entries_a_tenth_of_its_size_at_once():
    """Not one entry per write, each found by sorting them all (cachelib's way): a full cache
    then writes as fast as an empty one."""
    memory = MemoryCache(threshold=100, default_timeout=3600)
    for n in range(101):
        memory.set(f"page{n}", n)
    memory.set("page101", 101)  # one past the threshold: the eleven oldest go
    assert [n for n in range(102) if memory.get(f"page{n}") is not None] == list(range(11, 102))
    for n in range(102, 111):  # room for nine more before the next pruning
        memory.set(f"page{n}", n)
    assert memory.get("page11") == 11
