"""A hypothesis state machine: random PUT/DELETE sequences against a plain Python model."""

from __future__ import annotations

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conftest import ApiHelper

MOODS = ["happy", "sad", "like", "meh"]
ARTICLES = ["a1", "a2", "content_3"]


def test_reactions_match_the_model(app, redis_client, clock):
    client = app.test_client()

    class Reactions(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            redis_client.flushall()
            self.api = ApiHelper(client)
            self.api.create_site()
            self.readers = [self.api.reader() for _ in range(4)]
            self.model: dict[tuple[int, str], str] = {}  # (reader, article) -> mood

        @rule(reader=st.integers(0, 3), article=st.sampled_from(ARTICLES),
              mood=st.sampled_from(MOODS))
        def put(self, reader, article, mood):
            r = self.api.react(self.readers[reader], mood, article=article)
            assert r.status_code == 200
            self.model[(reader, article)] = mood
            assert r.get_json()["mine"] == mood

        @rule(reader=st.integers(0, 3), article=st.sampled_from(ARTICLES))
        def delete(self, reader, article):
            r = self.api.retract(self.readers[reader], article=article)
            assert r.status_code == 200 and r.get_json()["mine"] is None
            self.model.pop((reader, article), None)

        @rule(seconds=st.integers(1, 7200))
        def wait(self, seconds):
            clock.advance(seconds)

        @invariant()
        def counts_match(self):
            for article in ARTICLES:
                expected = {m: 0 for m in MOODS}
                for (_, a), mood in self.model.items():
                    if a == article:
                        expected[mood] += 1
                body = self.api.reactions(article=article, reader=self.readers[0]).get_json()
                assert body["counts"] == expected
                assert body["total"] == sum(expected.values())
                assert body["mine"] == self.model.get((0, article))

    run_state_machine_as_test(
        Reactions, settings=settings(max_examples=40, stateful_step_count=25, deadline=None))
