"""One tick of `freshrun run` (and `freshrun refresh`) as named phases, in
order: read and plan, observe and re-plan, lock and re-plan, build and record,
report (freshrun.tick.phases).  The rules the phases apply live beside them:
which sources to observe, how a build is run and recorded, what a refresh
keeps."""
