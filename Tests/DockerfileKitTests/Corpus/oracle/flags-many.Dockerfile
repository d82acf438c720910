RUN --mount=type=cache,target=/x --network=none echo hi
COPY --chmod=755 --link a b
COPY -- --from a
RUN --  echo
COPY --from="a b" --chown='x' c d
COPY --x=a\ b c
COPY --a --b
COPY --a=
COPY --from=a\
 b c
