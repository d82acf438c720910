FROM a
RUN echo $HOME ${HOME} ${X:-y} ${X:+y} ${X-y} ${X+y} ${X#p} ${X%s} ${X/a/b}
