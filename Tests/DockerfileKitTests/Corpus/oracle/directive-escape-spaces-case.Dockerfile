#  ESCAPE  =  `  
RUN a `
b
