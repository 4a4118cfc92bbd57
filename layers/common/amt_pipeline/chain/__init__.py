"""The tuning conversation (issue 21): follow-up rounds that warm-start from the earlier ones.

The domain, with no I/O:

* ``state``: the chain's record (its rounds, what each found and what was decided), its names;
* ``decision``: after a round's report, start another round or stop, and why;
* ``next_round``: the next round's execution input (the suggested ranges, the parents, the
  warm-start type), held to AWS's warm-start restrictions;

and ``step``, the step DecideFollowUp runs, which takes its adapters (aws.chain_table);
``report_section`` and ``chart_overlays``: the chain as a round's report tells and draws it.
"""
