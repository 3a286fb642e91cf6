META
key;value
description;Broken-file corpus base
num_projects;3
num_votes;3
budget;1e3
vote_type;approval
PROJECTS
project_id;cost;name
1;60;Benches
2;50;Trees
3;30;Lamps
VOTES
voter_id;vote
1;1,2
2;2,3
3;1
