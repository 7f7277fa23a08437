//! Maps task ids to their code. A worker claims only from the queues of the tasks it
//! has registered, so a process never takes a run it cannot execute.

use std::collections::HashMap;
use std::sync::Arc;

use super::task::{ErasedTask, Task};

#[derive(Default, Clone)]
pub struct Registry {
    tasks: HashMap<&'static str, Arc<dyn ErasedTask>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register<T: Task>(&mut self, task: T) -> &mut Self {
        let id = Task::def(&task).id;
        self.tasks.insert(id, Arc::new(task));
        self
    }

    pub(crate) fn get(&self, task_id: &str) -> Option<Arc<dyn ErasedTask>> {
        self.tasks.get(task_id).cloned()
    }

    /// The ids of the registered tasks.
    pub(crate) fn task_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tasks.keys().copied()
    }

    /// The queues of the registered tasks, deduplicated.
    pub fn queues(&self) -> Vec<String> {
        let mut queues: Vec<String> = self
            .tasks
            .values()
            .map(|t| t.def().queue.name.to_owned())
            .collect();
        queues.sort();
        queues.dedup();
        queues
    }
}
