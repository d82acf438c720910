CMD  echo  hi  
RUN	echo	tab
