"""Where the pipeline runs: in this process (``cli.analyze``'s loop, the default) or on Ray (the
``ray`` extra) for corpora and clusters; what a batch run still has to do (``plan``: resuming by
content and options); the harness's cells on Ray (``cells``).

Ray is imported only by ``session`` (and what it hands out), never by importing this package."""
