FROM a
RUN echo hi \
 there
CMD ["x"]
