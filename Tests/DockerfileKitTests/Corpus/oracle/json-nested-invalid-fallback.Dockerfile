RUN ["a", [1, 2
CMD ["a", {"b": ]
ENTRYPOINT ["a", tru]
