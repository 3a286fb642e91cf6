META
key;value
description;Broken-file corpus base
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
1;60;Benches
2;50;Trees
3;30;Lamps
